"""What leaves the procuratorate: published tables with small numbers suppressed."""

from kaoping.publication.public import MARK, PublicTable, public_table
from kaoping.publication.rules import RulesError, SuppressionRules, load_rules
from kaoping.publication.suppression import SuppressionRule, audit, suppress

__all__ = ["MARK", "PublicTable", "RulesError", "SuppressionRule", "SuppressionRules",
           "audit", "load_rules", "public_table", "suppress"]
