"""Names the command line offers before anything heavy is imported: explanation methods,
post-processors, review decisions and where the review database lives.

The modules that implement them read these names from here, so ``workbench --help`` shows the
same choices without importing torch, AIF360 or SQLAlchemy.
"""

from pathlib import Path

EXPLANATION_METHODS = (
    "ig",
    "saliency",
    "input_x_gradient",
    "deeplift",
    "gradient_shap",
    "occlusion",
    "feature_ablation",
    "shapley_sampling",
    "kernel_shap",
    "lime",
)
POSTPROCESSORS = ("reject_option", "equalized_odds", "calibrated_equalized_odds")
REVIEW_DECISIONS = ("approve", "conditions", "reject")
DATA_DIR_ENV = "WORKBENCH_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.local/share/mh-workbench")
DATABASE_FILE_NAME = "reviews.sqlite3"
