"""Hauteur des lignes renvoyées à la ligne (issue 20) : dans `preparation.xlsx`, une ligne dont
un texte long passe à la ligne a la hauteur de toutes ses lignes de texte ; avec la hauteur par
défaut, ses lignes chevauchaient la suivante à l'impression (rendu de LibreOffice vu en PDF).

Les attendus sont comptés à la main : en Arial 10, un chiffre « 0 » vaut une unité de colonne
et une espace une demi-unité ; une colonne de largeur L laisse L − 1,5 unités au texte.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from iae_modulation import mise_en_page, parallele
from iae_modulation.preparation.execution import executer_preparation
from iae_modulation.synthetique import generer_donnees_nationales
from iae_modulation.synthetique_asp import ecrire_fichiers_asp

ANNEE = 2026


@pytest.mark.parametrize(
    ("texte", "lignes"),
    [
        ("0000 0000", 1),  # 4 + 0,5 + 4 = 8,5 ≤ 10
        ("00000 00000", 2),  # 5 + 0,5 + 5 = 10,5 > 10
        ("0000000000", 1),  # exactement la place
        ("0" * 25, 3),  # un mot de 25 unités coupé en 10 + 10 + 5
        ("00 " + "0" * 25, 4),  # « 00 » seul, puis le long mot sur trois lignes
        ("0" * 25 + " 0000", 3),  # le reste du long mot (5) et « 0000 » tiennent ensemble
        ("", 1),
    ],
)
def test_lignes_renvoyees_comptees_entre_les_mots(texte, lignes):
    assert mise_en_page.lignes_renvoyees(texte, 11.5) == lignes


def test_en_tete_compte_en_gras_comme_avant():
    # « 0 » gras : 1,08 unité ; « 0000 0000 » en gras : 4,32 + 0,54 + 4,32 = 9,18 ≤ 10
    assert mise_en_page.lignes_d_en_tete("0000 0000", 11.5) == 1
    # 9 chiffres d'un mot : 9,72 ≤ 10 en gras ; suivi d'un autre mot, deux lignes
    assert mise_en_page.lignes_d_en_tete("000000000 0", 11.5) == 2


def _lignes(xml: str) -> dict[int, str]:
    """Numéro de ligne -> attributs de son élément <row>."""
    return {int(n): attributs for n, attributs in re.findall(r'<row r="(\d+)"([^>]*)>', xml)}


@pytest.fixture(scope="module")
def rapport(tmp_path_factory) -> zipfile.ZipFile:
    """`preparation.xlsx` d'une préparation dont le FluxIAE porte un très long nom, comme en
    reçoivent les services (copie renommée) : la ligne qui le cite ne tient pas sur une ligne."""
    dossier = tmp_path_factory.mktemp("asp")
    fichiers = ecrire_fichiers_asp(generer_donnees_nationales(30, annee=ANNEE), ANNEE, dossier)
    long_nom = fichiers.annexes.with_name(
        "fluxIAE_AnnexeFinanciere_" + "0" * 70 + "".join(fichiers.annexes.suffixes)
    )
    fichiers.annexes.rename(long_nom)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallele, "FORK", False)
        resultat = executer_preparation(long_nom, ANNEE, dossier / "sortie", bilan=fichiers.bilan)
    return zipfile.ZipFile(resultat.sortie / "preparation.xlsx")


def test_synthese_ligne_longue_a_la_hauteur_de_ses_trois_lignes(rapport):
    synthese = rapport.read("xl/worksheets/sheet1.xml").decode()
    lignes = _lignes(synthese)
    assert "Lignes d'annexes lues dans fluxIAE_AnnexeFinanciere_000" in synthese
    # « Lignes d'annexes lues dans » (22 unités) sur la 1re ligne ; le nom (95 unités) coupé
    # sur deux lignes de 60 : 3 × 12,75 + 2 = 40,25 points, soit 54 pixels entiers de
    # 0,75 point = 40,5.
    assert lignes[3] == ' ht="40.5" customHeight="1"'
    # l'en-tête (« Constat », « Nombre ») et les lignes courtes gardent la hauteur par défaut
    assert lignes[1] == lignes[2] == lignes[4] == ""
    assert 'defaultRowHeight="12.75"' in synthese


def test_en_tete_renvoye_a_la_hauteur_de_ses_lignes(rapport):
    # « Rapprochement » : la colonne « Annexe ou structure » n'est large que de son plus long
    # mot en gras (« structure », 7,56 unités : largeur 9,1, place 7,6). Le gras est compté 8 %
    # plus large, par prudence : « Annexe ou » (6,59 + 0,54 + 2,16 = 9,29) ne tient pas ; trois
    # lignes (LibreOffice en met deux : la ligne est plus haute, jamais trop basse) :
    # 3 × 12,75 + 3 = 41,25 points, 55 pixels.
    rapprochement = rapport.read("xl/worksheets/sheet4.xml").decode()
    assert "Annexe ou structure" in rapprochement
    assert _lignes(rapprochement)[1] == ' ht="41.25" customHeight="1"'
