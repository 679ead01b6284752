"""The embedded SYNTHETIC KETAPAIN-like trial (simulated, never patients).

The file ``bayes_keta/data/files/ketapain_synthetic.csv`` is the default draw of
:func:`bayes_keta.simulate_trial` (seed :data:`~bayes_keta.constants.EMBEDDED_SEED`),
written by :func:`write_ketapain_synthetic`; a test regenerates it and checks it is not stale.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bayes_keta.constants import DEFAULT_REFERENCE, DEFAULT_TREATMENTS, EMBEDDED_SEED
from bayes_keta.data.contract import validate_frame
from bayes_keta.data.io import read_table, write_table
from bayes_keta.data.simulate import simulate_trial
from bayes_keta.data.trial import Trial

__all__ = ["SYNTHETIC_NAME", "ketapain_synthetic", "synthetic_path", "write_ketapain_synthetic"]

SYNTHETIC_NAME = "ketapain_synthetic"
_FILE = "files/ketapain_synthetic.csv"


def synthetic_path() -> Path:
    """Path of the embedded synthetic CSV inside the installed package."""
    return Path(str(resources.files("bayes_keta.data").joinpath(_FILE)))


def ketapain_synthetic() -> Trial:
    """Load the embedded SYNTHETIC KETAPAIN-like trial (the default draw of the simulator).

    20 simulated subjects, Williams design (6 sequences of placebo / ketamine /
    ketamine_magnesium), 35 days of daily 0-10 pain per period, no treatment effect, calibrated
    to the published AUC means and SDs (Pickering et al., Anesthesiology 2020). Not patients.

    Returns
    -------
    Trial
        ``name="ketapain_synthetic"``, ``synthetic=True``, ``source`` naming the generator and
        seed.

    Examples
    --------
    >>> trial = ketapain_synthetic()
    >>> trial.synthetic, trial.n_subjects, trial.n_days
    (True, 20, 35)
    """
    path = synthetic_path()
    frame, notes = validate_frame(
        read_table(path),
        treatments=DEFAULT_TREATMENTS,
        reference=DEFAULT_REFERENCE,
        origin=SYNTHETIC_NAME,
    )
    return Trial(
        data=frame,
        treatments=DEFAULT_TREATMENTS,
        reference=DEFAULT_REFERENCE,
        name=SYNTHETIC_NAME,
        synthetic=True,
        source=(
            f"SYNTHETIC: bayes_keta.simulate_trial(seed={EMBEDDED_SEED}) defaults,"
            f" embedded as bayes_keta/data/{_FILE}; simulated, not patients"
        ),
        n_days=int(frame["day"].max()),
        notes=("SYNTHETIC DATA: simulated, not patients", *notes),
        flagship=True,
    )


def write_ketapain_synthetic(path: str | Path | None = None, *, force: bool = False) -> Path:
    """Regenerate the embedded synthetic CSV from the default draw.

    Parameters
    ----------
    path : str or Path, optional
        Where to write (default: the embedded file itself).
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
        The path written.
    """
    return write_table(simulate_trial(), path or synthetic_path(), force=force)
