"""ipywidgets views over the workbench core: each shows one core result and holds no logic."""

from widgets.model_picker import ModelPicker

__all__ = ["ModelPicker"]
