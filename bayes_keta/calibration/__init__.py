"""Simulation-based calibration (SBC) of the model specs and its versioned artefact.

``ranks`` (rank statistics, uniformity and coverage tests: NumPy/SciPy core), ``prior``
(datasets drawn from a model's prior predictive on a trial's design), ``sbc`` (the engine:
one compiled model, only the data change), ``artefact`` (``calibration/sbc_results.json``:
writing, reading, the calibration and staleness checks), ``plots`` (rank histograms and
ECDF-difference plots).
"""

from bayes_keta.calibration.artefact import (
    ArtefactCheck,
    check_artefact,
    read_artefact,
    results_record,
    write_artefact,
)
from bayes_keta.calibration.ranks import (
    CoverageTest,
    Uniformity,
    coverage_test,
    rank_uniformity,
    sbc_rank,
    thin,
)
from bayes_keta.calibration.sbc import (
    SBC_SPECS,
    SBCResult,
    SBCSettings,
    run_sbc,
    sbc_hash,
)

__all__ = [
    "ArtefactCheck",
    "CoverageTest",
    "SBCResult",
    "SBCSettings",
    "SBC_SPECS",
    "Uniformity",
    "check_artefact",
    "coverage_test",
    "rank_uniformity",
    "read_artefact",
    "results_record",
    "run_sbc",
    "sbc_hash",
    "sbc_rank",
    "thin",
    "write_artefact",
]
