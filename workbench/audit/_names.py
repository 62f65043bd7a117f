"""The post-processing mitigations by name: light, so the command line's ``--help`` lists them
without importing AIF360. Each is implemented in ``_mitigation``."""

POSTPROCESSORS = ("reject_option", "equalized_odds", "calibrated_equalized_odds")
