"""Le fichier de méthode et les options de `calculer` qui décrivent la méthode : chaque erreur
dit le fichier, la clé et la ligne ; le plus petit fichier de l'issue marche ; les options
courtes donnent la même méthode que le fichier équivalent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from aides import calculer, grand_livre, sortie_capturee
from iae_modulation.fichier_methode import lire_methode
from iae_modulation.methode import ErreurMethode, depuis_options

PLUS_PETIT = """nom: Poids 50/30/20
notation: rang
poids: {publics: 50, effort: 30, resultats: 20}
repartition: plafond
"""


def ecrire(dossier: Path, texte: str, nom: str = "m.yaml") -> Path:
    chemin = dossier / nom
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def refus(dossier: Path, texte: str) -> str:
    with pytest.raises(ErreurMethode) as erreur:
        lire_methode(ecrire(dossier, texte))
    return str(erreur.value).replace("\u00a0", " ")


def test_le_plus_petit_fichier(tmp_path):
    methode = lire_methode(ecrire(tmp_path, PLUS_PETIT))
    assert methode.nom == "Poids 50/30/20"
    assert dict(methode.poids) == {
        "publics": Decimal("0.5"),
        "effort": Decimal("0.3"),
        "resultats": Decimal("0.2"),
    }
    assert (methode.notation, methode.groupes, methode.repartition) == ("rang", "region", "plafond")
    assert methode.contenu == PLUS_PETIT and len(methode.sha256) == 64


@pytest.mark.parametrize(
    ("texte", "message"),
    [
        (
            "nom: X\npoids: {publics: 45, effort: 40, resultats: 25}\n",
            "m.yaml, clé « poids » (ligne 2) : la somme des poids fait 110 %, elle doit faire "
            "100 %.",
        ),
        (
            "nom: X\npoids: {publics: 0.35, effort: 0.4, resultats: 0.25}\n",
            "la somme des poids fait 1 %, elle doit faire 100 % : les poids s'écrivent en pour "
            "cent (35 pour 35 %).",
        ),
        ("nom: X\nponderation: 3\n", "m.yaml, clé « ponderation » (ligne 2) : clé inconnue"),
        ("notation: rang\n", "m.yaml, clé « nom » : le nom de la méthode est obligatoire"),
        ("nom: X\nnotation: moyenne\n", "clé « notation » (ligne 2) : « moyenne » inconnue"),
        (
            "nom: X\npoids:\n  publics: 30\n  effort: 40\n  resultats: 20\n  qpv: 10\n",
            "clé « sens.qpv » : indiquez le sens du critère « qpv »",
        ),
        (
            "nom: X\npoids:\n  publics: 30\n  effort: 40\n  resultats: 20\n  age: 10\n",
            "clé « poids.age » (ligne 6) : critère inconnu",
        ),
        ("nom: X\npoids: {publics: -5, effort: 80, resultats: 25}\n", "ne peut pas être négatif"),
        ("nom: X\npoids: {publics: 35, effort: 40}\n", "le poids du critère « Résultats » manque"),
        ("nom: X\nplafond: 0\n", "clé « plafond » (ligne 2) : 0 % : un taux de plus de 0"),
        ("nom: X\nplafond: 7,123\n", "n'est pas un nombre de pour cent"),
        ("nom: X\nrepartition: taux-moyen\n", "clé « taux_moyen » : obligatoire avec"),
        ("nom: X\ntaux_moyen: 5\n", "clé « taux_moyen » (ligne 2) : n'a de sens qu'avec"),
        ("nom: X\ngroupes: commune\n", "clé « groupes » (ligne 2) : « commune » inconnu"),
        ("nom: X\nnom: Y\n", "m.yaml, clé « nom » (ligne 2) : écrite deux fois (première fois"),
        ("nom: X\npoids: [35, 40, 25]\n", "un texte ou un nombre est attendu ici"),
        ("nom: [X\n", "m.yaml (ligne 2) : ce n'est pas un fichier YAML lisible"),
        ("- nom: X\n", "une méthode est une suite de « clé: valeur »"),
    ],
)
def test_methode_mal_ecrite_refusee_avec_cle_et_ligne(tmp_path, texte, message):
    assert message in refus(tmp_path, texte)


def test_tous_les_problemes_d_un_coup(tmp_path):
    message = refus(tmp_path, "nom: X\nnotation: moyenne\nrepartition: partout\nbizarre: 1\n")
    assert "Méthode refusée (3 problème(s))" in message


def test_fichier_trop_gros_refuse(tmp_path):
    assert "trop long pour un fichier de méthode" in refus(tmp_path, "# " + "x" * 200_000)


def test_options_courtes_egales_au_fichier(tmp_path):
    options = depuis_options(poids="publics=50,effort=30,resultats=20", repartition="plafond")
    fichier = lire_methode(ecrire(tmp_path, PLUS_PETIT))
    assert options.poids == fichier.poids
    assert (options.notation, options.groupes, options.repartition) == ("rang", "region", "plafond")
    assert options.nom.replace("\u00a0", " ") == (
        "Méthode par défaut modifiée (poids publics 50 %, effort 30 %, résultats 20 %)"
    )


def test_calculer_avec_les_options_courtes(tmp_path, capsys):
    assert calculer(tmp_path / "a", 2026, "--poids", "publics=50,effort=30,resultats=20") == 0
    fichier = ecrire(tmp_path, PLUS_PETIT)
    assert calculer(tmp_path / "b", 2026, "--methode-fichier", str(fichier)) == 0
    a = grand_livre(tmp_path / "a" / "resultats.csv")
    b = grand_livre(tmp_path / "b" / "resultats.csv")
    assert list(a["montant_module"]) == list(b["montant_module"])
    assert set(b["methode"]) == {"Poids 50/30/20"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--poids", "publics=50,effort=30,resultats=30"], "la somme des poids fait 110 %"),
        (["--poids", "publics:50"], "écrivez critere=nombre"),
        (["--taux-moyen", "5"], "n'a de sens qu'avec « repartition: taux-moyen »"),
        (["--repartition", "totale"], "Répartition « totale » : aucune enveloppe pour la région"),
        (["--plafond", "12"], "plafond de 12 % refusé. L'arrêté en vigueur au 01/01/2026"),
        (
            ["--repartition", "taux-moyen", "--taux-moyen", "9", "--plafond", "8"],
            "taux moyen visé de 9 % au-dessus du plafond de 8 %",
        ),
    ],
)
def test_options_refusees(tmp_path, capsys, options, message):
    assert calculer(tmp_path / "s", 2026, *options) == 2
    assert message in sortie_capturee(capsys).replace("\u00a0", " ")
    assert not (tmp_path / "s" / "resultats.csv").exists()


def test_fichier_et_options_ensemble_refuses(tmp_path, capsys):
    fichier = ecrire(tmp_path, PLUS_PETIT)
    code = calculer(tmp_path / "s", 2026, "--methode-fichier", str(fichier), "--poids", "x=1")
    assert code == 2
    assert "--methode-fichier et --poids ensemble : le fichier est la méthode" in (
        sortie_capturee(capsys)
    )


def test_grand_livre_et_manifeste_disent_la_methode(tmp_path):
    fichier = ecrire(tmp_path, PLUS_PETIT)
    assert calculer(tmp_path / "s", 2026, "--methode-fichier", str(fichier)) == 0
    import json

    manifeste = json.loads((tmp_path / "s" / "manifeste.json").read_text("utf-8"))
    methode = manifeste["options"]["methode"]
    assert (methode["nom"], methode["contenu"], methode["origine"]) == (
        "Poids 50/30/20",
        PLUS_PETIT,
        "fichier",
    )
    assert any(e["role"] == "methode" for e in manifeste["entrees"])
    livre = grand_livre(tmp_path / "s" / "resultats.csv")
    assert set(livre["notation"]) == {"rang"}
    assert set(livre["poids_effort"].dropna()) == {Decimal("0.3")}


# --- ce que le calcul dit de la méthode (modulation.calculer_modulation) ----------------------


def _deux_ei(annee: int):
    """Deux EI de Meurthe-et-Moselle, lues et validées pour `annee`."""
    import pandas as pd
    from iae_modulation.donnees import valider
    from iae_modulation.lecture import TableBrute

    structures = [
        {"identifiant": f"EI05400000{k}", "type": "EI", "departement": "54"}
        | {"montant_socle": "10000.00", "nb_salaries_insertion": "10"}
        | {"nb_beneficiaires_minima": str(k), "etp_encadrement": "1", "etp_insertion": "5"}
        | {"sorties_totales": "4", "sorties_emploi_durable": "1"}
        | {"sorties_emploi_transition": "0", "sorties_positives": "0"}
        for k in (2, 6)
    ]
    table = pd.DataFrame(structures, dtype=str)
    lues = valider(TableBrute(table, Path("deux.csv"), None, [2, 3]), annee)
    assert len(lues.table) == 2, lues.rapport.texte()
    return lues


AVERTISSEMENT_2014 = (
    "Campagne 2014 : taux forfaitaire de la note 2014-04 pour toutes les structures ; la méthode "
    "« Poids 50/30/20 » n'est pas appliquée."
)


@pytest.mark.parametrize(
    ("annee", "methode", "averti"),
    [
        (2014, "fichier", True),
        (2014, "rang", False),
        (2014, "minmax", False),
        (2015, "fichier", False),
    ],
)
def test_en_2014_une_autre_methode_est_dite_non_appliquee(tmp_path, annee, methode, averti):
    """2014 : 5 % pour toutes, quelle que soit la méthode ; une méthode autre que celle de la
    note (notation rang ou minmax) le dit, et seulement en 2014."""
    from iae_modulation.modulation import OptionsCalcul, calculer_modulation

    if methode == "fichier":
        methode = lire_methode(ecrire(tmp_path, PLUS_PETIT))
    calcul = calculer_modulation(_deux_ei(annee), OptionsCalcul(annee, methode))
    assert (AVERTISSEMENT_2014 in calcul.avertissements) == averti
    if annee == 2014:
        assert set(calcul.resultats["taux_calcule"]) == {Decimal("0.05")}


def test_notation_inconnue_refusee():
    from iae_modulation.modulation import ErreurCalcul, OptionsCalcul

    with pytest.raises(ErreurCalcul) as erreur:
        OptionsCalcul(2026, "moyenne")
    assert str(erreur.value) == "Notation « moyenne » inconnue : choisissez rang ou minmax."


def test_taux_et_montant_de_la_campagne_precedente_recopies():
    """Le taux effectif et le montant modulé N − 1 d'une structure connue sont recopiés ; une
    structure nouvelle n'en a pas."""
    from iae_modulation.modulation import OptionsCalcul, Precedent, calculer_modulation

    precedent = {"EI054000002": Precedent(Decimal("0.0612"), Decimal("612.00"))}
    calcul = calculer_modulation(_deux_ei(2026), OptionsCalcul(2026, precedent=precedent))
    lignes = calcul.resultats.set_index("identifiant")
    assert lignes.loc["EI054000002", "taux_precedent"] == Decimal("0.0612")
    assert lignes.loc["EI054000002", "montant_precedent"] == Decimal("612.00")
    assert lignes.loc["EI054000006", "taux_precedent"] is None
    assert lignes.loc["EI054000006", "montant_precedent"] is None


CITATION_2014 = (
    "« Pour l'année 2014, année de transition de la mise en œuvre de la réforme, la part modulée "
    "est fixée au taux de 5 % du montant socle de l'aide au poste conventionnée par structure en "
    "2014 (incluant, le cas échéant, le cofinancement du conseil général). » (note DGEFP "
    "n° 2014-04 du 10 octobre 2014)"
)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"annee": 2016, "versements_2014": {}},
            "La régularisation des versements 2014 ne s'applique qu'à la campagne 2015 "
            "(campagne demandée : 2016).",
        ),
        (
            {"annee": 2014, "methode": depuis_options(repartition="totale")},
            f"Répartition « totale » refusée pour la campagne 2014 : {CITATION_2014}. Aucune "
            "répartition ne peut changer ce taux : gardez la répartition « plafond ».",
        ),
    ],
)
def test_options_impossibles_pour_l_annee_refusees(options, message):
    from iae_modulation.modulation import ErreurCalcul, OptionsCalcul

    with pytest.raises(ErreurCalcul) as erreur:
        OptionsCalcul(**options)
    assert str(erreur.value) == message


def test_deux_criteres_facultatifs_sans_donnees_nommes_ensemble(tmp_path):
    """Message entier : les deux colonnes manquantes, le fichier, ce qu'il faut faire."""
    from iae_modulation.modulation import OptionsCalcul, calculer_modulation

    methode = lire_methode(
        ecrire(
            tmp_path,
            "nom: Deux publics\npoids: {publics: 30, effort: 40, resultats: 20, rqth: 5, "
            "femmes: 5}\nsens: {rqth: plus, femmes: moins}\n",
        )
    )
    with pytest.raises(ErreurMethode) as erreur:
        calculer_modulation(_deux_ei(2026), OptionsCalcul(2026, methode))
    assert str(erreur.value) == (
        "Méthode « Deux publics » : critère(s) facultatif(s) sans données. La colonne nb_rqth, "
        "nb_femmes est absente de deux.csv ou n'y a aucune valeur ; ajoutez-la (nombre de "
        "salariés en insertion concernés, par structure) ou retirez le critère de la méthode."
    )
