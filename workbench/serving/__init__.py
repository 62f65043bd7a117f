"""Serving the apps with Voila: the bundled app notebooks, the Voila template, the identity
provider, and Voila's command line (``voila_command``, the one place of its options).

All of it is package data, so an installed package serves as a source checkout does.
"""

from workbench.serving._voila import (
    APPS,
    DEFAULT_APP,
    POOL_SIZE_ENV,
    REFILL_ENV,
    VOILA_OPTIONS,
    app_notebook,
    default_pool_size,
    pool_size_setting,
    refill_delay_setting,
    voila_command,
)

__all__ = [
    "APPS",
    "DEFAULT_APP",
    "POOL_SIZE_ENV",
    "REFILL_ENV",
    "VOILA_OPTIONS",
    "app_notebook",
    "default_pool_size",
    "pool_size_setting",
    "refill_delay_setting",
    "voila_command",
]
