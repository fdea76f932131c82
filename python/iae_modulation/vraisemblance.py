"""Contrôles de vraisemblance de la table canonique (docs/donnees.md, « Contrôles de
vraisemblance ») : une valeur douteuse est une remarque nommée, une valeur impossible est
refusée, jamais devinée (issue 14).

Seuils tirés des ordres de grandeur réels (reference/domaine.md) : une annexe compte d'ordinaire
7 à 10 ETP (ACI), 30 à 40 (AI), 2 à 20 (EI) ; un salarié en insertion sort au plus une fois dans
l'année ; le montant socle comprend le cofinancement du département (note DGEFP n° 2014-04,
annexe 5).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd

# Un contrôle déclaratif : son nom « controle:colonne » (qui choisit le message) et la fonction
# qui dit, ligne par ligne, si la table typée le passe.
Controle = tuple[str, Callable[[pd.DataFrame], list[bool]]]

ETP_MAX = Decimal(1000)  # ETP d'une seule structure, au-delà : impossible
EFFORT_ELEVE = 1  # plus d'ETP d'encadrement que d'ETP en insertion : à vérifier
EFFORT_IMPOSSIBLE = 10  # dix ETP d'encadrement par ETP en insertion : impossible
SORTIES_PAR_SALARIE_MAX = 2  # plus de deux sorties par salarié ayant travaillé : impossible
ETP_PAR_SALARIE_MAX = 2  # un salarié fait au plus un ETP sur l'année ; plus de deux : impossible
COLONNES_ETP = ("etp_conventionnes", "etp_realises", "etp_encadrement", "etp_insertion")
SIREN_LA_POSTE = "356000000"
# un public particulier (colonne facultative, hors de la méthode par défaut) plus nombreux que
# les salariés : impossible, mais sans effet sur le montant, donc signalé sans bloquer la ligne
NON_BLOQUANTS = frozenset({"siret_cle", "effort_eleve", "sorties_elevees", "public_eleve"})


def siret_valide(siret: str) -> bool:
    """Clé de contrôle d'un SIRET de 14 chiffres : formule de Luhn ; les établissements de
    La Poste (SIREN 356 000 000) ont pour règle une somme des chiffres multiple de 5."""
    if siret.startswith(SIREN_LA_POSTE) and sum(map(int, siret)) % 5 == 0:
        return True
    # en partant de la droite, un chiffre sur deux est doublé (ceux de rang pair en partant de
    # la gauche, sur 14 chiffres), et on ajoute les chiffres du double (2 × 7 = 14 -> 1 + 4)
    return sum(map(int, siret[0::2].translate(_DOUBLE_LUHN) + siret[1::2])) % 10 == 0


_DOUBLE_LUHN = str.maketrans("0123456789", "0246813579")  # chiffre -> somme des chiffres du double


def au_plus(
    table: pd.DataFrame, haut: str, bas: str, facteur: int, ratio: bool = True
) -> list[bool]:
    """`haut` <= facteur × `bas`, ligne par ligne ; vrai quand l'un des deux manque ou est
    négatif (déjà signalé), et, pour le terme d'un `ratio`, quand `bas` est nul (indicateur
    non calculable, déjà signalé)."""
    return [
        h is None or b is None or h < 0 or b < 0 or (ratio and not b) or h <= facteur * b
        for h, b in zip(table[haut].tolist(), table[bas].tolist(), strict=True)
    ]


def _entre(table: pd.DataFrame, haut: str, bas: str, doute: int, impossible: int) -> list[bool]:
    """Faux seulement entre les deux seuils (doute × `bas` < `haut` <= impossible × `bas`) :
    au-delà du second, c'est l'autre contrôle qui le dit."""
    return [
        h is None or b is None or h < 0 or not b or b < 0 or h <= doute * b or h > impossible * b
        for h, b in zip(table[haut].tolist(), table[bas].tolist(), strict=True)
    ]


def controles(
    siret_de_14_chiffres: Callable[[str], bool], publics: tuple[str, ...] = ()
) -> list[Controle]:
    """Les contrôles de vraisemblance, à passer sur la table typée avec les autres ; `publics` :
    les colonnes des publics particuliers, chacun compté parmi les salariés en insertion."""

    def colonne(nom: str, valide: Callable[[Any], bool]) -> Callable[[pd.DataFrame], list[bool]]:
        return lambda table: [valide(v) for v in table[nom].tolist()]

    return [
        (
            "siret_cle:siret",
            colonne("siret", lambda v: not siret_de_14_chiffres(v) or siret_valide(v)),
        ),
        *(
            (f"etp_max:{nom}", colonne(nom, lambda v: v is None or v <= ETP_MAX))
            for nom in COLONNES_ETP
        ),
        (
            "cofinancement:dont_cofinancement_cd",
            lambda t: au_plus(t, "dont_cofinancement_cd", "montant_socle", 1, ratio=False),
        ),
        (
            "effort_impossible:etp_insertion",
            lambda t: au_plus(t, "etp_encadrement", "etp_insertion", EFFORT_IMPOSSIBLE),
        ),
        (
            "effort_eleve:etp_insertion",
            lambda t: _entre(
                t, "etp_encadrement", "etp_insertion", EFFORT_ELEVE, EFFORT_IMPOSSIBLE
            ),
        ),
        (
            "etp_insertion_impossible:etp_insertion",
            lambda t: au_plus(t, "etp_insertion", "nb_salaries_insertion", ETP_PAR_SALARIE_MAX),
        ),
        (
            "sorties_impossibles:sorties_totales",
            lambda t: au_plus(
                t, "sorties_totales", "nb_salaries_insertion", SORTIES_PAR_SALARIE_MAX
            ),
        ),
        (
            "sorties_elevees:sorties_totales",
            lambda t: _entre(
                t, "sorties_totales", "nb_salaries_insertion", 1, SORTIES_PAR_SALARIE_MAX
            ),
        ),
        *(
            (
                f"public_eleve:{nom}",
                lambda t, nom=nom: au_plus(t, nom, "nb_salaries_insertion", 1, ratio=False),
            )
            for nom in publics
        ),
    ]


def message(controle: str, valeur: str, brut: Callable[[str], str]) -> str | None:
    """Le message français d'un contrôle de vraisemblance (None si `controle` n'en est pas un) ;
    `valeur` : la cellule en cause telle qu'écrite, `brut(colonne)` : une autre cellule de la
    ligne."""
    if controle == "etp_max":
        return (
            f"{valeur} ETP pour une seule structure : impossible (au plus "
            f"{ETP_MAX:,} ; une annexe compte d'ordinaire de 2 à 40 ETP). Dans une colonne "
            "d'ETP, le point est la virgule décimale (« 8.58 » = 8,58) : vérifiez la valeur."
        ).replace(",", " ", 1)
    if controle == "cofinancement":
        return (
            f"cofinancement du conseil départemental ({_euros(valeur)}) supérieur au montant "
            f"socle ({_euros(brut('montant_socle'))}) : le montant socle comprend le "
            "cofinancement, il ne peut pas être plus petit."
        )
    if controle in ("effort_impossible", "effort_eleve"):
        pourquoi = (
            f"plus de {EFFORT_IMPOSSIBLE} ETP d'encadrement par ETP en insertion : impossible, "
            "et la structure serait classée première sur une faute de frappe ; vérifiez "
            "etp_insertion et etp_encadrement"
            if controle == "effort_impossible"
            else "plus d'encadrants que de postes en insertion : à vérifier"
        )
        nom = "impossible" if controle == "effort_impossible" else "élevé"
        return (
            f"effort d'insertion {nom} : {brut('etp_encadrement')} ETP d'encadrement pour "
            f"{valeur} ETP en insertion ({pourquoi})."
        )
    if controle == "etp_insertion_impossible":
        return (
            f"ETP en insertion impossibles : {valeur} ETP pour "
            f"{brut('nb_salaries_insertion')} salariés en insertion, plus de "
            f"{ETP_PAR_SALARIE_MAX} ETP par salarié (un salarié fait au plus un ETP sur "
            "l'année ; virgule décimale perdue ?) ; vérifiez etp_insertion et "
            "nb_salaries_insertion."
        )
    if controle == "sorties_impossibles":
        return (
            f"sorties impossibles : {valeur} sorties pour {brut('nb_salaries_insertion')} "
            f"salariés en insertion, plus de {SORTIES_PAR_SALARIE_MAX} par salarié ayant "
            "travaillé dans l'année ; vérifiez sorties_totales et nb_salaries_insertion."
        )
    if controle == "sorties_elevees":
        return (
            f"sorties plus nombreuses que les salariés : {valeur} sorties pour "
            f"{brut('nb_salaries_insertion')} salariés en insertion (chaque sortie est celle "
            "d'un salarié qui a travaillé dans l'année) : à vérifier."
        )
    if controle == "public_eleve":
        return (
            f"{valeur} pour {brut('nb_salaries_insertion')} salariés en insertion : ce public "
            "est compté parmi les salariés, il ne peut pas être plus nombreux ; à vérifier (la "
            "colonne ne sert pas à la méthode par défaut, le montant n'en dépend pas)."
        )
    if controle == "siret_cle":
        return (
            f"clé du SIRET fausse : « {valeur} » ne passe pas le contrôle de sa clé (formule "
            "de Luhn) ; faute de frappe probable, vérifiez-le sur "
            "annuaire-entreprises.data.gouv.fr."
        )
    return None


def _euros(texte: str) -> str:
    return texte.removesuffix("€").strip() + " €"
