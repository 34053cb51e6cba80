"""Publishing one target at most once: publications, the ledger, what is sent, the publish step and its verbs."""

from publisher.publishing.ledger import Ledger, PseudoState, State, TargetRecord
from publisher.publishing.result import TargetResult, Verdict
from publisher.publishing.step import publish_target
from publisher.publishing.targets import Publication, publications
from publisher.publishing.verbs import doctor, publish_post, resolve_target, retract_post, retract_target

__all__ = [
    "Ledger",
    "PseudoState",
    "Publication",
    "State",
    "TargetRecord",
    "TargetResult",
    "Verdict",
    "doctor",
    "publications",
    "publish_post",
    "publish_target",
    "resolve_target",
    "retract_post",
    "retract_target",
]
