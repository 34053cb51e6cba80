"""Publishing one target at most once: publications, the ledger, what is sent, the publish step and its verbs.

Re-exported here: the ledger, the results and the publications. Not re-exported: ``step`` (publish_target) and
``verbs``: they ask the archive (the approval gate, the record of each outcome), and the archive reads the ledger,
so re-exporting them here would make importing the ledger import the archive first. Import them from their modules.
"""

from publisher.publishing.ledger import Ledger, PseudoState, State, TargetRecord
from publisher.publishing.result import TargetResult, Verdict
from publisher.publishing.targets import Publication, publications

__all__ = ["Ledger", "PseudoState", "Publication", "State", "TargetRecord", "TargetResult", "Verdict", "publications"]
