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
from iae_modulation.sorties import ErreurEntree

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
    if brute.largeurs is not None:  # CSV : une ligne plus large que l'en-tête est décalée
        _refuser_lignes_decalees(brute.lieu(), lignes[trouve.index_ligne], lignes, numeros, debut)
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


def _refuser_lignes_decalees(
    lieu: str, entete: list[str], lignes: list[list[str]], numeros: list[int], debut: int
) -> None:
    """Lève `ErreurEntree` si des lignes ont des cellules remplies à droite de la dernière
    colonne d'en-tête : un séparateur dans une valeur (« 8,58 » dans un fichier séparé par des
    virgules) a décalé les suivantes, et aucun montant de la ligne n'est sûr."""
    largeur = max((j + 1 for j, c in enumerate(entete) if str(c).strip()), default=0)
    decalees = [
        numeros[k] for k in range(debut, len(lignes)) if any(c.strip() for c in lignes[k][largeur:])
    ]
    if decalees:
        cites = ", ".join(map(str, decalees[:20])) + (" …" if len(decalees) > 20 else "")
        raise ErreurEntree(
            f"{lieu} : {len(decalees)} ligne(s) ont des cellules remplies à droite de la "
            f"dernière colonne d'en-tête (ligne(s) {cites}) : leurs valeurs sont décalées (un "
            "nombre écrit avec une virgule dans un fichier séparé par des virgules ?). "
            "Enregistrez l'export au format .xlsx ou « CSV (séparateur : point-virgule) », puis "
            "relancez."
        )
