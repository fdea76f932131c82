"""Les noms du grand livre d'une campagne : motifs du taux et colonnes, dans leur ordre.

Le calcul (`modulation`) produit ces colonnes ; le format du fichier qui les porte (CSV,
nombres, relecture vérifiée) est dans `resultats.py`. Les colonnes d'un critère facultatif
(`indicateurs.CRITERES_OPTIONNELS`) ne figurent dans le grand livre que si la méthode l'applique.
"""

from __future__ import annotations

from collections.abc import Iterable

from iae_modulation.indicateurs import CRITERES_OPTIONNELS

NOTATIONS = ("rang", "minmax")  # notation des scores (docs/conception.md, « Méthode par défaut »)

# Motif du taux (colonne `motif_taux`) : ce que la lettre explique à la structure.
MOTIF_CLASSEMENT = "classement"
MOTIF_SEULE = "seule dans son groupe"
MOTIF_NON_CALCULABLE = "non calculable"
MOTIF_FORFAIT_2014 = "forfait 2014"
MOTIF_PENITENTIAIRE = "milieu pénitentiaire"  # taux fixe, hors classement (avant 2022)
MOTIF_PENITENTIAIRE_PLAFOND = "milieu pénitentiaire, plafond"  # classée, plafond de 5 %
MOTIFS = (
    MOTIF_CLASSEMENT,
    MOTIF_SEULE,
    MOTIF_NON_CALCULABLE,
    MOTIF_FORFAIT_2014,
    MOTIF_PENITENTIAIRE,
    MOTIF_PENITENTIAIRE_PLAFOND,
)

# Les termes de chaque indicateur (données de la structure) et, pour la notation « rang », son
# rang dans le groupe et l'effectif du groupe : de quoi refaire exactement chaque score, donc le
# taux, sans autre fichier (`controle_grand_livre`). Rang 2,5 sur 4 : score (2,5 − 1) / (4 − 1).
TERMES_INDICATEURS = {
    "publics": ("nb_beneficiaires_minima", "nb_salaries_insertion"),
    "effort": ("etp_encadrement", "etp_insertion"),
    "resultats": ("sorties_dynamiques", "sorties_totales"),
}
COLONNES_POIDS = tuple(f"poids_{c}" for c in TERMES_INDICATEURS)
COLONNES_FRACTION = (
    "publics",
    "effort",
    "resultats",
    "score_publics",
    "score_effort",
    "score_resultats",
    *COLONNES_POIDS,
    "plafond_methode",
    "plafond",
    "taux_calcule",
    "taux_moyen_cible",
    "taux_effectif",
    "taux_precedent",
)
COLONNES_MONTANT = (
    "montant_socle",
    "montant_avant_enveloppe",
    "enveloppe_region",
    "enveloppe_disponible",
    "total_avant_enveloppe",
    "montant_module",
    "montant_verse_2014",
    "regularisation",
    "reste_a_deduire",
    "montant_net",
    "montant_precedent",
)
COLONNES_ETP = ("etp_conventionnes_2014", "etp_realises_2014")
COLONNES_TERMES = tuple(t for termes in TERMES_INDICATEURS.values() for t in termes)
COLONNES_RANG = tuple(f"rang_{c}" for c in TERMES_INDICATEURS)
COLONNES_EFFECTIF = tuple(f"effectif_{c}" for c in TERMES_INDICATEURS)
COLONNES_ADRESSE = ("adresse", "code_postal", "commune")
# L'identité de la structure, telle que le calcul l'a lue dans la table canonique : les lettres
# et les décisions la prennent ici (docs/donnees.md, « Le grand livre »).
COLONNES_IDENTITE = ("siret", "raison_sociale", *COLONNES_ADRESSE)
COLONNES_REGULARISATION = (
    "montant_verse_2014",
    "etp_conventionnes_2014",
    "etp_realises_2014",
    "regularisation",
    "reste_a_deduire",
    "montant_net",
)
COLONNES_PRECEDENT = ("taux_precedent", "montant_precedent")  # campagne N − 1 (--precedent)
# L'ordre du fichier suit le calcul, de gauche à droite : scores × poids × plafond = taux ;
# socle × taux = montant avant enveloppe ; répartition de l'enveloppe = montant modulé ;
# − régularisation = net ; la campagne précédente ; le nom de la méthode. Puis, à droite : ce que
# la méthode fixe pour toute la campagne (notation, poids, plafond, répartition), la
# justification, l'adresse des lettres et les termes des indicateurs avec rang et effectif,
# critère par critère (resultats.xlsx met justification et anomalies à la fin de sa table).
COLONNES_RESULTATS = (
    *("identifiant", "siret", "raison_sociale", "type", "departement", "region", "annee"),
    "groupe",
    *COLONNES_FRACTION[:6],  # indicateurs et scores
    *("plafond", "motif_taux", "taux_calcule", "montant_socle", "montant_avant_enveloppe"),
    *("enveloppe_region", "enveloppe_disponible", "total_avant_enveloppe"),
    *("montant_module", "taux_effectif"),
    *COLONNES_REGULARISATION,
    *COLONNES_PRECEDENT,
    "methode",
    *("notation", *COLONNES_POIDS, "plafond_methode", "repartition", "taux_moyen_cible"),
    *("justification", "anomalies"),
    *COLONNES_ADRESSE,
    *(
        colonne
        for critere, termes in TERMES_INDICATEURS.items()
        for colonne in (*termes, f"rang_{critere}", f"effectif_{critere}")
    ),
)


def colonnes_critere_optionnel(nom: str) -> tuple[str, ...]:
    """Les colonnes d'un critère facultatif appliqué : son terme (le dénominateur,
    `nb_salaries_insertion`, est déjà au grand livre), sa part, son score, son poids, son sens,
    son rang et l'effectif comparé."""
    colonne = CRITERES_OPTIONNELS[nom].colonne
    return (colonne, f"part_{nom}", f"score_{nom}", f"poids_{nom}", f"sens_{nom}") + (
        f"rang_{nom}",
        f"effectif_{nom}",
    )


def colonnes_du_grand_livre(optionnels: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Toutes les colonnes d'un grand livre dont la méthode applique les critères facultatifs
    `optionnels` (dans l'ordre du catalogue)."""
    ordre = [n for n in CRITERES_OPTIONNELS if n in optionnels]
    return COLONNES_RESULTATS + tuple(c for nom in ordre for c in colonnes_critere_optionnel(nom))


def optionnels_des_colonnes(colonnes: Iterable[str]) -> tuple[str, ...]:
    """Les critères facultatifs dont un grand livre (ou une table de résultats) porte le poids."""
    presentes = set(colonnes)
    return tuple(n for n in CRITERES_OPTIONNELS if f"poids_{n}" in presentes)
