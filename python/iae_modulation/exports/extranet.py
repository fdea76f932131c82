"""Lecture des exports de l'extranet IAE (.xlsx ou .csv) par en-tête (note DGEFP 2014-04, annexe 5).

EI et ETTI : « Tableau de suivi des annexes financières » ; AI et ACI : « Export de données »
(case « financement » cochée). Des lignes de titre peuvent précéder la ligne d'en-tête : on la
cherche parmi les premières lignes, celle qui porte tous les en-têtes obligatoires de la mesure.
"""

from __future__ import annotations

import re
from pathlib import Path

from iae_modulation.exports.entetes import disposition_de_la_mesure, localiser_entete
from iae_modulation.exports.table import TableExport
from iae_modulation.lecture import lire_table, nom_d_origine

CLE_BASE = {
    "EI": "montant_etat",
    "ETTI": "montant_etat",
    "EITI": "montant_etat",
    "AI": "montant_total",
    "ACI": "montant_total",
}
PREFIXES_MONTANT = ("montant", "cofinancement", "reste_a_payer")
CLES_UNITAIRES = ("montant_unitaire",)  # montant annuel de l'aide par poste : jamais totalisé
CLES_NOMBRES = ("nb_postes", "duree_annuelle_poste")
_SANS_ENTETE = re.compile(r"\(colonne \d+\)")


def lire_export_extranet(
    chemin: Path, mesure: str, *, entetes_yaml: Path | None = None
) -> TableExport:
    """Lit l'export ; lève `ErreurEntree` (en-têtes attendus et trouvés) si la forme ne va pas."""
    brute = lire_table(Path(chemin))
    disposition = disposition_de_la_mesure(mesure, entetes_yaml)
    premiere = ["" if _SANS_ENTETE.fullmatch(c) else nom_d_origine(c) for c in brute.table.columns]
    lignes = [premiere, *(list(r) for r in brute.table.itertuples(index=False, name=None))]
    numeros = [brute.lignes[0] - 1 if brute.lignes else 1, *brute.lignes]
    trouve = localiser_entete(lignes, disposition, mesure, lieu=brute.lieu(), numero_ligne=numeros)
    positions = dict(trouve.positions)
    positions["base"] = positions[CLE_BASE[mesure]]
    montants = {p for cle, p in trouve.positions.items() if cle.startswith(PREFIXES_MONTANT)}
    debut = trouve.index_ligne + 1
    largeur = len(trouve.entetes)
    return TableExport(
        source="extranet",
        lieu=brute.lieu(),
        mesure=mesure,
        entetes=list(trouve.entetes),
        lignes=[(ligne + [""] * largeur)[:largeur] for ligne in lignes[debut:]],
        numeros=numeros[debut:],
        positions=positions,
        montants=montants,
        unitaires={p for cle, p in trouve.positions.items() if cle in CLES_UNITAIRES},
        nombres={p for cle, p in trouve.positions.items() if cle in CLES_NOMBRES},
        ligne_entete=numeros[trouve.index_ligne],
    )
