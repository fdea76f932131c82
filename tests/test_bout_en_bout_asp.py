"""Une campagne des fichiers de l'ASP jusqu'aux lettres, sans rien ressaisir, par la ligne de
commande : preparer → calculer → annexe5 (FluxIAE, quatre mesures : pas d'EITI en 2026) →
notifications → rapprocher."""

from __future__ import annotations

from pathlib import Path

from aides import DONNEES, grand_livre
from iae_modulation.cli import main
from iae_modulation.lecture import lire_table
from iae_modulation.synthetique_asp import ecrire_fichiers_asp

MESURES = ("EI", "ETTI", "AI", "ACI")
SIGNATURE = ["--lieu", "Strasbourg", "--signataire", "Camille Martin"]


def test_des_fichiers_de_l_asp_aux_lettres(tmp_path: Path, calculs, capsys) -> None:
    fichiers = ecrire_fichiers_asp(lire_table(DONNEES).table, 2026, tmp_path / "asp")
    campagne = tmp_path / "campagne"
    preparation = campagne / "preparation"
    assert (
        main(
            [
                "preparer",
                "--annexes",
                str(fichiers.annexes),
                "--bilan",
                str(fichiers.bilan),
                "--structures",
                str(fichiers.structures),
                "--annee",
                "2026",
                "--sortie",
                str(preparation),
            ]
        )
        == 0
    )
    donnees = preparation / "donnees.csv"
    calcul = campagne / "calcul"
    assert main(["calculer", str(donnees), "--annee", "2026", "--sortie", str(calcul)]) == 0
    resultats = calcul / "resultats.csv"
    for mesure in MESURES:
        code = main(
            [
                "annexe5",
                str(fichiers.annexes),
                "--source",
                "fluxiae",
                "--mesure",
                mesure,
                "--annee",
                "2026",
                "--resultats",
                str(resultats),
                "--donnees",
                str(donnees),
                "--sans-pdf",
                "--sortie",
                str(campagne / "annexe5" / mesure),
                *SIGNATURE,
            ]
        )
        assert code == 0, mesure
    assert (
        main(
            [
                "notifications",
                str(resultats),
                "--donnees",
                str(donnees),
                "--annee",
                "2026",
                "--sans-pdf",
                "--sortie",
                str(campagne / "notifications"),
                *SIGNATURE,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["rapprocher", str(campagne)]) == 0
    assert "Concordant" in capsys.readouterr().out
    # mêmes taux et montants, au centime, que le calcul fait sur la table saisie à la main
    prepare = grand_livre(resultats).set_index("identifiant")
    saisi = grand_livre(calculs[2026]).set_index("identifiant").loc[prepare.index]
    for colonne in ("taux_calcule", "montant_socle", "montant_module", "montant_net"):
        assert list(prepare[colonne]) == list(saisi[colonne]), colonne
    lettres = sorted((campagne / "notifications").glob("notification_*.docx"))
    assert len(lettres) == len(prepare) == 40
