"""Export a fit for other tools: netCDF (and zarr), tidy draws, a meta-analysis summary.

``bayes-keta export FIT_DIR --out DIR`` / :func:`export_fit` writes, into a new directory
(never over existing files without ``force``; everything is written to a temporary directory
first, validated, then moved in):

=====================  ========================================================================
posterior.nc           the whole DataTree (``xarray.open_datatree`` / ArviZ reopen it as is),
                       the fit's provenance attrs plus ``export_provenance``
posterior.zarr         the same as zarr (only with ``zarr=True`` and zarr installed)
draws.csv              tidy draws (:mod:`bayes_keta.export.draws`)
draws.parquet          the same table; provenance in the Parquet schema metadata
meta_summary.csv       meta-analysis shaped summary (:mod:`bayes_keta.export.meta_summary`)
summary.json           the fit's ``summary.json`` (schema ``bayes_keta.summary/1``)
summary.schema.json    that JSON Schema
export.json            manifest: every file with sha256 and size, provenance, column
                       definitions, SMD standardizer, likelihood-only method
=====================  ========================================================================

The CSV files are plain tables, the header row first (``pandas.read_csv(path)``, R
``read.csv(path)``); every row of every table carries the data set's name and sha256, whether
it is SYNTHETIC, and the model (columns ``data_name``, ``data_sha256``, ``synthetic``,
``model``); ``export.json`` is their JSON sidecar (:func:`table_provenance`).

Every table is validated against its pandera schema (:mod:`bayes_keta.export.schemas`),
``summary.json`` against its JSON Schema and ``export.json`` against
``bayes_keta/schemas/export.schema.json``, before anything is written.
:func:`read_export` reopens an export and checks the sha256 of every file; its ``.fit`` is
the exported fit, a :class:`~bayes_keta.fitting.result.FitResult` like any other.
"""

from __future__ import annotations

from bayes_keta.export.draws import DRAWS_COLUMNS, tidy_draws
from bayes_keta.export.manifest import EXPORT_FILES, table_provenance
from bayes_keta.export.meta_summary import META_COLUMNS, meta_summary
from bayes_keta.export.reload import Export, read_export
from bayes_keta.export.write import export_fit

__all__ = [
    "DRAWS_COLUMNS",
    "EXPORT_FILES",
    "Export",
    "META_COLUMNS",
    "export_fit",
    "meta_summary",
    "read_export",
    "table_provenance",
    "tidy_draws",
]
