"""A result never depends on what ran before it in the process (compile cache state).

The compiled nutpie model is cached by graph structure and reused with other prior values.
Its initial point function must follow those values too: before the fix, a fit of prior B
after a fit of prior A (same structure, same seed) started from A's support point and gave
other draws than B fitted alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayes_keta.fitting import cache_info, clear_cache, fit

SHIFTED = {"treatment_effect": {"dist": "normal", "mu": -1.0, "sigma": 0.5}}
SETTINGS = dict(draws=60, tune=60, chains=2, seed=5, prior_draws=0, posterior_predictive=False)


def _draws(result) -> np.ndarray:
    return result.datatree.posterior["treatment_effect"].values


@pytest.mark.slow
def test_setting_alone_equals_setting_after_another(fixed_trial):
    clear_cache()
    alone = _draws(fit(fixed_trial, "daily", priors=SHIFTED, **SETTINGS))
    clear_cache()
    fit(fixed_trial, "daily", **SETTINGS)  # compiles with the spec's default prior values
    after = _draws(fit(fixed_trial, "daily", priors=SHIFTED, **SETTINGS))
    assert cache_info()["hits"] == 1  # the second fit really reused the compiled model
    np.testing.assert_array_equal(alone, after)
