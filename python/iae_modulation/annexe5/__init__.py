"""Annexe 5 de la note DGEFP n° 2014-04 : le tableau départemental joint à la décision de paiement.

Les étapes de la note (« Modèles de décision de paiement à destination de l'ASP »), par mesure :
- EI : filtrer le département ; supprimer « no Présage » ; supprimer les colonnes à partir de
  « Montant prévu de l'Aide FSE=AE » ; ajouter « Montant modulé prévu ».
- ETTI : filtrer ; ajouter « Montant modulé prévu » (les suppressions sont réservées aux EI).
- AI, ACI : filtrer ; garder les premières colonnes jusqu'à « date fin effet annexe » ; supprimer
  de « Nombre de postes conventionnés » à « Date de fin d'effet de l'aide au poste » ; garder
  « Montant total de l'aide au poste » et supprimer le reste ; pour les ACI, vérifier d'abord que
  « Dont cofinancé par le conseil général » est renseigné partout ; ajouter « Montant prévu
  modulation ».
- EITI (créées après la note, par l'article 83 de la loi n° 2018-771) : traitées comme les ETTI,
  dont elles partagent le « Tableau de suivi des annexes financières ».
En 2014 (`--taux-forfaitaire 5`), le montant ajouté est 5 % de la base de l'export, comme la note
le décrit. À partir d'un calcul (`--resultats`), il est lu dans le grand livre et nulle part
ailleurs : le montant net à verser de chaque structure, avec, quand la campagne régularise des
versements 2014, le montant modulé, la régularisation et le reste à déduire dans leurs colonnes.

Un module par métier : `transformation` (les étapes de la note sur l'export), `montants` (grand
livre ou taux forfaitaire), `tableaux` (le tableau et son classeur), `decisions` (la décision
préparée à partir du tableau), `execution` (l'orchestration et la démonstration).
"""

from iae_modulation.annexe5.execution import RapportAnnexe5, demo_annexe5, executer_annexe5
from iae_modulation.annexe5.montants import (
    Forfait,
    Livre,
    Paiement,
    cle_annexe,
    cle_siret,
    taux_forfaitaire,
)
from iae_modulation.annexe5.tableaux import (
    ENTETE_MODULE,
    MESURES,
    TableauAnnexe5,
    entetes_ajoutes,
    nom_fichier_tableau,
)
from iae_modulation.annexe5.transformation import RefusAnnexe5, transformer

__all__ = [
    "ENTETE_MODULE",
    "MESURES",
    "Forfait",
    "Livre",
    "Paiement",
    "RapportAnnexe5",
    "RefusAnnexe5",
    "TableauAnnexe5",
    "cle_annexe",
    "cle_siret",
    "demo_annexe5",
    "entetes_ajoutes",
    "executer_annexe5",
    "nom_fichier_tableau",
    "taux_forfaitaire",
    "transformer",
]
