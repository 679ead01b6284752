"""Keep libraries' chatter off the terminal in command-line runs (the one place that does).

What a user sees on stderr is ours: progress lines (:mod:`bayes_keta.cli.progress`), notes,
diagnostics failures, errors. Libraries' INFO logging is not: PyMC announces every
``pm.sample`` call ("Initializing NUTS...", "NUTS: [mu, tau]", "Sampling 2 chains for...";
seen with ``--sampler pymc``, ``meta`` and ``published`` priors without a closed form), which
repeats the CLI's own stages. Like any application, the CLI configures logging: the root logger
gets a stderr handler at WARNING, so library warnings and errors still show, INFO does not.
(PyMC adds its own INFO handler only when the root logger has none.)

Python warnings: every subcommand was run on valid input (each spec in models/, ``report`` with
and without ``--with-sweep``, serial and Dask sweeps, ``published`` with sampled priors,
``meta`` with both samplers, ``export``) with the locked library versions, and no library
warning reached stderr, so no warning filter is installed. Should one appear, filter it here,
specifically (category, message regex, module), never with a blanket ignore.
"""

from __future__ import annotations

import logging

__all__ = ["LOG_FORMAT", "configure_logging"]

#: How library log records that pass (WARNING and above) are shown.
LOG_FORMAT = "%(name)s: %(levelname)s: %(message)s"


def configure_logging() -> None:
    """Send WARNING and above to stderr; drop libraries' INFO messages.

    Does nothing when the root logger already has handlers (the application embedding the
    CLI, or pytest, configured logging itself).

    Examples
    --------
    >>> configure_logging()  # doctest: +SKIP
    """
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
