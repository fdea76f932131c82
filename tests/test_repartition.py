"""La répartition de l'enveloppe d'une région (`repartition.repartir`, docs/methode.md), sur de
petits cas comptés à la main : montants, structures au plafond, bornes exactes, arrondis au
centime inférieur, bilan de la région et messages de refus."""

from __future__ import annotations

from decimal import Decimal

import pytest
from iae_modulation.repartition import ErreurRepartition, Structure, repartir

D = Decimal
DIX = D("0.10")


def structure(socle: str, avant: str, plafond: Decimal | None = DIX) -> Structure:
    return Structure("Grand Est", D(socle), D(avant), plafond)


def notes(repartition, i: int) -> list[str]:
    return [n.replace("\u00a0", " ") for n in repartition.notes.get(i, [])]


def test_regle_plafond_reduit_en_proportion_et_le_dit():
    """Total 150,00 € pour 120,00 € d'enveloppe : × 120 / 150."""
    structures = [structure("1000", "100.00"), structure("1000", "50.00")]
    resultat = repartir(structures, "plafond", {"Grand Est": D("120.00")})
    assert resultat.modules == [D("80.00"), D("40.00")]
    assert resultat.disponible == [D("120.00")] * 2 and resultat.total == [D("150.00")] * 2
    assert notes(resultat, 0) == [
        "réduit par l'enveloppe régionale : 100,00 € × 120,00 / 150,00 = 80,00 € "
        "(au centime inférieur)"
    ]
    bilan = resultat.bilan.iloc[0].to_dict()
    assert bilan == {
        "region": "Grand Est",
        "enveloppe": D("120.00"),
        "cible": None,
        "a_repartir": D("120.00"),
        "total_avant_enveloppe": D("150.00"),
        "total_module": D("120.00"),
        "reliquat": D("0.00"),
    }


def test_regle_plafond_enveloppe_non_depassee_rien_ne_change():
    structures = [structure("1000", "100.00"), structure("1000", "20.00")]
    resultat = repartir(structures, "plafond", {"Grand Est": D("120.00")})
    assert resultat.modules == [D("100.00"), D("20.00")] and resultat.notes == {}
    assert resultat.bilan.iloc[0]["reliquat"] == D("0.00")


def test_totale_une_structure_au_plafond_les_suivantes_se_partagent_le_reste():
    """Enveloppe 60,00 € pour 40,00 € calculés (× 1,5) : la première atteindrait 12,00 €, son
    plafond est 100,00 × 10 % = 10,00 € ; les deux autres se partagent 50,00 € en proportion
    de 20,00 et 12,00 : 31,25 € et 18,75 €."""
    structures = [
        structure("100.00", "8.00"),
        structure("1000", "20.00"),
        structure("1000", "12.00"),
    ]
    resultat = repartir(structures, "totale", {"Grand Est": D("60.00")})
    assert resultat.modules == [D("10.00"), D("31.25"), D("18.75")]
    assert resultat.disponible == [None, D("50.00"), D("50.00")]
    assert resultat.total == [None, D("32.00"), D("32.00")]
    assert notes(resultat, 0) == [
        "au plafond dans la répartition de l'enveloppe : 100,00 € × 10,00 % = 10,00 €"
    ]
    assert notes(resultat, 1) == [
        "enveloppe répartie : 20,00 € × 50,00 / 32,00 = 31,25 € (au centime inférieur)"
    ]


def test_totale_plafonds_examines_du_plus_petit_rapport_plafond_sur_montant():
    """A : 90,00 € calculés, plafond 100,00 € (rapport 1,11) ; B : 1,00 €, plafond 10,00 €
    (rapport 10). Enveloppe 200,00 € pour 91,00 € : A prendrait 197,80 €, il est plafonné à
    100,00 € ; B prendrait alors les 100,00 € restants, il est plafonné à 10,00 €. Examinée
    la première parce que son plafond est le plus petit, B passerait, et A dépasserait le
    sien."""
    structures = [structure("1000", "90.00"), structure("100", "1.00")]
    resultat = repartir(structures, "totale", {"Grand Est": D("200.00")})
    assert resultat.modules == [D("100.00"), D("10.00")]
    assert resultat.bilan.iloc[0]["reliquat"] == D("90.00")


def test_totale_part_egale_au_plafond_compte_comme_au_plafond():
    """0,99 € × 2,00 / 1,00 = 1,98 €, exactement le plafond de 19,80 × 10 % : la structure est
    au plafond (la comparaison se fait en centimes exacts), la seconde prend le reste."""
    structures = [structure("19.80", "0.99"), structure("1000", "0.01")]
    resultat = repartir(structures, "totale", {"Grand Est": D("2.00")})
    assert resultat.modules == [D("1.98"), D("0.02")]
    assert resultat.disponible == [None, D("0.02")]
    assert notes(resultat, 0)[0].startswith("au plafond dans la répartition de l'enveloppe")


def test_taux_moyen_cible_au_centime_inferieur():
    """5 % de 200,30 € de socles = 10,015 € : la cible est 10,01 € (jamais arrondie à la
    hausse) ; 5,00 × 10,01 / 10,00 = 5,005 -> 5,00 € chacune ; reliquat 0,01 €."""
    structures = [structure("100.30", "5.00"), structure("100.00", "5.00")]
    resultat = repartir(structures, "taux-moyen", None, D("0.05"))
    assert resultat.modules == [D("5.00"), D("5.00")]
    bilan = resultat.bilan.iloc[0]
    assert (bilan["cible"], bilan["a_repartir"], bilan["reliquat"]) == (
        D("10.01"),
        D("10.01"),
        D("0.01"),
    )


@pytest.mark.parametrize(("enveloppe", "autre"), [("10.00", "0.00"), ("10.50", "0.50")])
def test_taux_moyen_enveloppe_juste_egale_aux_taux_fixes_acceptee(enveloppe, autre):
    """Taux fixe de 10,00 € (hors répartition), enveloppe de 10,00 € : rien à répartir, mais
    pas d'erreur ; 10,50 € : 0,50 € pour l'autre."""
    structures = [structure("200", "10.00", None), structure("100", "4.00")]
    resultat = repartir(structures, "taux-moyen", {"Grand Est": D(enveloppe)}, D("0.05"))
    assert resultat.modules == [D("10.00"), D(autre)]


@pytest.mark.parametrize(
    ("regle", "message"),
    [
        (
            "taux-moyen",
            "Montant visé Grand Est de 9,00 € (taux moyen visé) inférieur aux montants à taux "
            "fixe des structures en milieu pénitentiaire (10,00 €) : vérifiez le taux moyen "
            "visé.",
        ),
        (
            "totale",
            "Enveloppe Grand Est de 9,00 € inférieure aux montants à taux fixe des structures "
            "en milieu pénitentiaire (10,00 €) : vérifiez l'enveloppe.",
        ),
        (
            "plafond",
            "Enveloppe Grand Est de 9,00 € inférieure aux montants à taux fixe des structures "
            "en milieu pénitentiaire (10,00 €) : vérifiez l'enveloppe.",
        ),
    ],
)
def test_enveloppe_sous_les_taux_fixes_refusee(regle, message):
    structures = [structure("200", "10.00", None), structure("100", "4.00")]
    with pytest.raises(ErreurRepartition) as erreur:
        repartir(structures, regle, {"Grand Est": D("9.00")}, D("0.05"))
    assert str(erreur.value).replace("\u00a0", " ") == message


def test_totale_sans_enveloppe_refusee():
    with pytest.raises(ErreurRepartition) as erreur:
        repartir([structure("100", "4.00")], "totale", None)
    assert str(erreur.value) == (
        "Répartition « totale » : aucune enveloppe pour la région Grand Est. Donnez "
        "l'enveloppe de chaque région (fichier des enveloppes, ou cellule « Enveloppe "
        "régionale »), ou choisissez la répartition « plafond »."
    )
