"""Les trois indicateurs du montant modulé (note DGEFP 2014-04, annexe 2).

- publics : part des bénéficiaires de minima sociaux (RSA socle, ASS, AAH) parmi les salariés en
  insertion ;
- efforts d'insertion : ETP d'encadrement (technique et accompagnement socio-professionnel)
  rapportés aux ETP en insertion ;
- résultats : sorties dynamiques (emploi durable + emploi de transition + sorties positives)
  rapportées aux sorties totales (retraits exclus).

Les ratios sont calculés exactement (fractions) : les ex-æquo sont de vrais ex-æquo et le taux
arrondi ne dépend d'aucune approximation binaire.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

CRITERES = ("publics", "effort", "resultats")
LIBELLES = {
    "publics": "Publics",
    "effort": "Efforts d'insertion",
    "resultats": "Résultats",
}
DENOMINATEURS = {
    "publics": "nb_salaries_insertion",
    "effort": "etp_insertion",
    "resultats": "sorties_totales",
}
MOTIFS_NON_CALCULABLE = {
    "publics": "aucun salarié en insertion renseigné",
    "effort": "aucun ETP en insertion renseigné",
    "resultats": "aucune sortie renseignée",
}


Ratio = tuple[int, int]
"""Un ratio exact (numérateur, dénominateur > 0) en entiers : rapide et sans approximation."""


def ratio_exact(numerateur: Decimal | None, denominateur: Decimal | None) -> Ratio | None:
    """numérateur / dénominateur exact, en entiers ; None (non calculable) si l'un manque ou si
    le dénominateur est nul."""
    if numerateur is None or denominateur is None or denominateur == 0:
        return None
    a, b = Decimal(numerateur).as_integer_ratio()
    c, d = Decimal(denominateur).as_integer_ratio()
    return (a * d, b * c) if c > 0 else (-a * d, -b * c)


def ratio(numerateur: Decimal | None, denominateur: Decimal | None) -> Fraction | None:
    """Le même ratio en `Fraction` (fonctions du classeur, calculs unitaires)."""
    exact = ratio_exact(numerateur, denominateur)
    return None if exact is None else Fraction(*exact)


def _somme(*valeurs: Decimal | None) -> Decimal | None:
    presentes = [v for v in valeurs if v is not None]
    return sum(presentes, Decimal(0)) if presentes else None


def calculer_indicateurs(table: pd.DataFrame) -> dict[str, list[Ratio | None]]:
    """Les trois indicateurs exacts de chaque ligne d'une table canonique validée."""
    sorties_dynamiques = [
        _somme(d, t, p)
        for d, t, p in zip(
            table["sorties_emploi_durable"],
            table["sorties_emploi_transition"],
            table["sorties_positives"],
            strict=True,
        )
    ]
    numerateurs = {
        "publics": table["nb_beneficiaires_minima"],
        "effort": table["etp_encadrement"],
        "resultats": sorties_dynamiques,
    }
    return {
        critere: [
            ratio_exact(n, d)
            for n, d in zip(numerateurs[critere], table[DENOMINATEURS[critere]], strict=True)
        ]
        for critere in CRITERES
    }
