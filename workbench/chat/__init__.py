"""Chatbots: a generative model's responses scored as outcomes (crisis referral, refusal,
validation, unsafe advice, length, sentiment, the team's own), audited by group like a
classifier's decisions, the counterfactual prompt audit (persona lines, identity swaps), and
which words of a prompt drove a response (``explain_response``)."""

from workbench._lazy import lazy_names

_HOMES = {
    "BUILTIN_SCORERS": "workbench.chat._scorers",
    "CallableScorer": "workbench.chat._scorers",
    "ChatAuditResult": "workbench.chat._outcomes",
    "ClassifierScorer": "workbench.chat._scorers",
    "LengthScorer": "workbench.chat._scorers",
    "LexiconSentimentScorer": "workbench.chat._scorers",
    "PatternScorer": "workbench.chat._scorers",
    "PhraseScorer": "workbench.chat._scorers",
    "PromptCounterfactualResult": "workbench.chat._counterfactual",
    "ResponseScorer": "workbench.chat._scorers",
    "audit_responses": "workbench.chat._outcomes",
    "explain_response": "workbench.chat._attribution",
    "persona_lines": "workbench.chat._counterfactual",
    "prompt_counterfactuals": "workbench.chat._counterfactual",
    "score_responses": "workbench.chat._outcomes",
    "scorers_from_spec": "workbench.chat._scorers",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
