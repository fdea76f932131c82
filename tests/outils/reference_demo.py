"""Calcul de référence de la démonstration 2026, écrit à part de l'outil (aucun module
d'iae_modulation n'est importé) : il a donné les montants attendus de tests/cas/demo_2026.yaml,
vérifiés à la main sur trois structures (commentaires du cas).

    python tests/outils/reference_demo.py [--sans-enveloppe]

Méthode de la note 2014-04 (README, « La méthode de calcul ») : indicateurs en fractions
exactes, rang croissant dans le groupe type × région (ex-æquo au rang moyen, parmi les
indicateurs calculables ; un seul : 0,5 ; non calculable : 0,5), score (r − 1) / (n − 1),
taux = plafond × (0,35 × publics + 0,40 × effort + 0,25 × résultats) à 4 décimales moitié vers
le haut, plafond 10 % (5 % en établissement pénitentiaire depuis 2022), montant = socle × taux
au centime moitié vers le haut ; enveloppe dépassée : chaque montant × enveloppe / total, au
centime inférieur.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "python" / "iae_modulation" / "demo"
POIDS = {"publics": Fraction(35, 100), "effort": Fraction(40, 100), "resultats": Fraction(25, 100)}
ENVELOPPE_GRAND_EST = Fraction(295_600)


def nombre(texte: str) -> Fraction | None:
    return Fraction(texte.replace(",", ".")) if texte.strip() else None


def indicateurs(s: dict) -> dict[str, Fraction | None]:
    def ratio(numerateur, denominateur):
        return None if not denominateur else numerateur / denominateur

    dynamiques = sum(
        nombre(s[c])
        for c in ("sorties_emploi_durable", "sorties_emploi_transition", "sorties_positives")
    )
    return {
        "publics": ratio(nombre(s["nb_beneficiaires_minima"]), nombre(s["nb_salaries_insertion"])),
        "effort": ratio(nombre(s["etp_encadrement"]), nombre(s["etp_insertion"])),
        "resultats": ratio(dynamiques, nombre(s["sorties_totales"])),
    }


def score(valeur: Fraction | None, groupe: list[Fraction | None]) -> Fraction:
    calculables = [v for v in groupe if v is not None]
    if valeur is None or len(calculables) < 2:
        return Fraction(1, 2)
    rang = sum(v < valeur for v in calculables) + Fraction(
        sum(v == valeur for v in calculables) + 1, 2
    )
    return (rang - 1) / (len(calculables) - 1)


def arrondi(valeur: Fraction, decimales: int) -> Fraction:
    """Moitié vers le haut (valeurs positives)."""
    echelle = 10**decimales
    return Fraction(int(valeur * echelle + Fraction(1, 2)), echelle)


def plancher_centime(valeur: Fraction) -> Fraction:
    return Fraction(int(valeur * 100), 100)


def main(avec_enveloppe: bool) -> None:
    with open(DEMO / "donnees_demo.csv", encoding="utf-8-sig") as fichier:
        structures = list(csv.DictReader(fichier, delimiter=";"))
    groupes = defaultdict(list)
    for s in structures:
        s["indicateurs"] = indicateurs(s)
        groupes[(s["type"], s["region"])].append(s)
    for s in structures:
        groupe = groupes[(s["type"], s["region"])]
        scores = {
            c: score(s["indicateurs"][c], [t["indicateurs"][c] for t in groupe]) for c in POIDS
        }
        plafond = Fraction(5, 100) if s["milieu_penitentiaire"] == "oui" else Fraction(1, 10)
        s["taux"] = arrondi(plafond * sum(POIDS[c] * scores[c] for c in POIDS), 4)
        s["avant"] = arrondi(nombre(s["montant_socle"]) * s["taux"], 2)
    total = sum(s["avant"] for s in structures)
    reduit = avec_enveloppe and total > ENVELOPPE_GRAND_EST
    for s in structures:
        s["module"] = (
            plancher_centime(s["avant"] * ENVELOPPE_GRAND_EST / total) if reduit else s["avant"]
        )
    apres = sum(s["module"] for s in structures)
    print(f"# total avant enveloppe {texte(total, 2)}, après {texte(apres, 2)}")
    for s in structures:
        print(
            f'  {s["identifiant"]}: {{taux_calcule: "{texte(s["taux"], 4)}", '
            f'montant_avant_enveloppe: "{texte(s["avant"], 2)}", '
            f'montant_module: "{texte(s["module"], 2)}"}}'
        )


def texte(valeur: Fraction, decimales: int) -> str:
    """Une fraction déjà arrondie à `decimales`, écrite exactement (« 13901.57 »)."""
    entier = valeur * 10**decimales
    assert entier.denominator == 1, valeur
    chiffres = str(entier.numerator).rjust(decimales + 1, "0")
    return f"{chiffres[:-decimales]}.{chiffres[-decimales:]}"


if __name__ == "__main__":
    main("--sans-enveloppe" not in sys.argv)
