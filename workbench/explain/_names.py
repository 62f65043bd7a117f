"""The explanation methods by name, in the order they are offered: light, so the command line's
``--help`` lists them without importing torch or Captum. Each has a row in ``_methods.METHODS``."""

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
    "layer_integrated_gradients",
)
