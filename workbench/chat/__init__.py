"""Chat models (generative): which words of a prompt drove the response."""

from workbench._lazy import lazy_names

_HOMES = {
    "explain_response": "workbench.chat._attribution",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
