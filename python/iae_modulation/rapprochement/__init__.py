"""Rapprochement d'une campagne sur ce qui est envoyé : le grand livre, les décisions de paiement
de l'annexe 5 (et leurs tableaux annexés) et les lettres de notification (annexe 4) disent-ils,
structure par structure, les mêmes montants, et les PDF signés et envoyés sont-ils ces documents ?

La note DGEFP 2014-04 fait partir de la même décision la notification à chaque structure et la
décision de paiement transmise à l'ASP : ce contrôle vérifie qu'aucune structure notifiée ne
manque d'une décision payable, qu'aucune n'est payée deux fois (une seule décision en vigueur au
registre des actes), et qu'aucun montant ne diffère d'un centime. Il relit les documents
produits, leurs données intégrées, leurs PDF et leurs manifestes, jamais les calculs en mémoire,
et écrit le bordereau de ce qui part à qui.

Modules : `manifestes` (exécutions), `inventaire` (documents classés et liés à leur grand livre),
`execution` (`rapprocher`), `decisions`, `lettres`, `tableaux`, `pieces` (texte et PDF),
`actes` (registre), `resultat`, `rapport` (`rapprochement.xlsx`), `bordereau` (`a_envoyer`).
"""

from iae_modulation.rapprochement.bordereau import bordereau_remplacable, ecrire_bordereau
from iae_modulation.rapprochement.execution import rapprocher
from iae_modulation.rapprochement.rapport import ecrire_rapport, rapport_remplacable
from iae_modulation.rapprochement.resultat import (
    CODE_CONCORDANT,
    CODE_ECARTS,
    NOM_RAPPROCHEMENT,
    Ecart,
    Rapprochement,
)
from iae_modulation.rapprochement.textes import texte_docx

__all__ = [
    "CODE_CONCORDANT",
    "CODE_ECARTS",
    "NOM_RAPPROCHEMENT",
    "Ecart",
    "Rapprochement",
    "bordereau_remplacable",
    "ecrire_bordereau",
    "ecrire_rapport",
    "rapport_remplacable",
    "rapprocher",
    "texte_docx",
]
