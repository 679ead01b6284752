"""Installed in Python processes started by fast-tier tests (see bk_sampling_guard)."""

import os

if os.environ.get("BAYES_KETA_SAMPLING_GUARD"):
    import bk_sampling_guard

    bk_sampling_guard.install()
    bk_sampling_guard.activate(True, child=True)
