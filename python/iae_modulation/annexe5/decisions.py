"""Les décisions de paiement à destination de l'ASP (note DGEFP n° 2014-04, annexe 5),
préparées à partir des tableaux départementaux."""

from __future__ import annotations

from decimal import Decimal

from iae_modulation.annexe5.montants import Forfait, Livre
from iae_modulation.annexe5.tableaux import TableauAnnexe5
from iae_modulation.documents.decision_asp import DecisionASP
from iae_modulation.documents.mots_dates import MotsDates
from iae_modulation.documents.signature import Signature
from iae_modulation.formats import montant_fr, nombre_fr
from iae_modulation.referentiel import (
    departements,
)
from iae_modulation.registre import ActeEnregistre


def lignes_en_texte(tableau: TableauAnnexe5) -> list[list[str]]:
    """Le tableau en texte français pour la décision Word, avec sa ligne de total (montants
    seulement, jamais un montant par poste ni un nombre de postes)."""
    lignes = [
        [
            c
            if not isinstance(c, Decimal)
            else montant_fr(c)
            if j in tableau.montants
            else nombre_fr(c)
            for j, c in enumerate(ligne)
        ]
        for ligne in tableau.lignes
    ]
    total = ["Total"] + [""] * (len(tableau.colonnes) - 1)
    for colonne in tableau.totaux:
        total[colonne] = montant_fr(tableau.somme(colonne))
    return [*lignes, total]


def lignes_donnees(tableau: TableauAnnexe5) -> list[dict]:
    """Les montants de chaque structure, intégrés au .docx de la décision (format de l'issue
    16) : montant modulé, régularisation 2014 (None sans elle) et montant payé, en chaînes."""
    lignes = []
    for paiement in tableau.paiements:
        livre = paiement.livre
        regularisation = livre["regularisation"]
        lignes.append(
            {
                "identifiant": livre["identifiant"],
                "siret": livre.get("siret") or "",
                "montant_module": f"{livre['montant_module']:.2f}",
                "regularisation": None if regularisation is None else f"{regularisation:.2f}",
                "montant": f"{paiement.net:.2f}",
            }
        )
    return lignes


def decision_asp(
    tableau: TableauAnnexe5,
    montants: Forfait | Livre,
    annee: int,
    signature: Signature,
    mots: MotsDates | None,
    numero: str | None = None,
    remplace: ActeEnregistre | None = None,
) -> DecisionASP:
    """La décision d'un département : ses totaux, la base du taux, la méthode, le tableau
    annexé en texte, son numéro du registre (None pour un projet), la décision qu'elle annule
    et remplace, et les montants intégrés au .docx."""
    departement = departements()[tableau.departement]
    return DecisionASP(
        mesure=tableau.mesure,
        departement=tableau.departement,
        nom_departement=departement.nom,
        region=departement.region,
        annee=annee,
        nb_structures=tableau.nb_structures,
        montant_total=tableau.montant_total,
        montant_module=tableau.total("montant_module"),
        regularisation=tableau.total("regularisation"),
        reste_a_deduire=tableau.total("reste_a_deduire"),
        avec_regularisation=tableau.avec_regularisation,
        base_du_taux=montants.phrase(tableau.departement, mots),
        phrase_methode=montants.phrase_methode(tableau.departement),
        colonnes=tableau.colonnes,
        lignes=lignes_en_texte(tableau),
        signature=signature,
        mention_modifie=montants.modifie,
        mots=mots,
        numero=numero,
        remplace=remplace,
        grand_livre_sha256=montants.grand_livre.empreinte if isinstance(montants, Livre) else "",
        lignes_donnees=lignes_donnees(tableau),
    )
