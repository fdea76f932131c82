"""Lecture générique CSV/XLSX (`lecture.lire_table`) et nombres français (`lecture.lire_nombre`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl.xml
import pytest
import xlsxwriter
from iae_modulation import limites
from iae_modulation.lecture import lire_nombre, lire_table, nom_d_origine
from iae_modulation.sorties import ErreurEntree


def ecrire_xlsx(chemin: Path, feuilles: dict[str, dict[tuple[int, int], object]]) -> Path:
    """Classeur dont chaque feuille est {(ligne, colonne) 0-indexées: valeur} ; les str sont
    écrites en cellules texte, les nombres en cellules numériques."""
    with xlsxwriter.Workbook(str(chemin), {"strings_to_numbers": False}) as classeur:
        dates = classeur.add_format({"num_format": "dd/mm/yyyy"})
        for nom, cellules in feuilles.items():
            feuille = classeur.add_worksheet(nom)
            for (ligne, colonne), valeur in cellules.items():
                if isinstance(valeur, str):
                    feuille.write_string(ligne, colonne, valeur)
                elif isinstance(valeur, bool):
                    feuille.write_boolean(ligne, colonne, valeur)
                elif isinstance(valeur, dt.date):
                    feuille.write_datetime(ligne, colonne, valeur, dates)
                else:
                    feuille.write_number(ligne, colonne, valeur)
    return chemin


def empreinte(chemin: Path) -> str:
    return hashlib.sha256(chemin.read_bytes()).hexdigest()


# --- Nombres ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("1 234,56 €", "1234.56"),
        ("1\u202f234,56\u00a0€", "1234.56"),
        ("1\u00a0234\u00a0567", "1234567"),
        ("1234.5", "1234.5"),
        ("1234,5", "1234.5"),
        ("1.234,56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1,234.56", "1234.56"),
        ("  -3 ", "-3"),
        ("\u22122,5", "-2.5"),
        ("0,10", "0.10"),
        (",5", "0.5"),
        ("54", "54"),
        ("-12,50", "-12.50"),
    ],
)
def test_lire_nombre_accepte_les_ecritures_francaises(texte, attendu):
    assert lire_nombre(texte) == Decimal(attendu)
    assert str(lire_nombre(texte)) == attendu  # valeur exacte, chiffres significatifs gardés


@pytest.mark.parametrize(
    "texte",
    [
        *("12,5 %", "abc", "", "  ", "12 34", "1,234,567", "1e5", "NaN", "Infinity", "1_000"),
        *("1.", "--1", "1,5.3", "-"),
    ],
)
def test_lire_nombre_refuse_le_reste(texte):
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        lire_nombre(texte)


# --- CSV ----------------------------------------------------------------------------------

CONTENU = "identifiant;departement;montant\nACI054;054;1 234,56\nEI51;51;10\n"


@pytest.mark.parametrize("encodage", ["utf-8-sig", "utf-8", "cp1252"])
def test_csv_encodages(tmp_path, encodage):
    chemin = tmp_path / "donnees.csv"
    chemin.write_bytes("commune;département\nÉpernay;51\n".encode(encodage))
    brute = lire_table(chemin)
    assert list(brute.table.columns) == ["commune", "département"]
    assert brute.table.iloc[0].tolist() == ["Épernay", "51"]


def test_csv_utf16_avec_bom(tmp_path):
    chemin = tmp_path / "export.csv"
    chemin.write_bytes("commune;département\nÉpernay;51\n".encode("utf-16"))
    assert lire_table(chemin).table.iloc[0].tolist() == ["Épernay", "51"]


@pytest.mark.parametrize("separateur", [";", ",", "\t"])
def test_csv_separateur_detecte(tmp_path, separateur):
    chemin = tmp_path / "donnees.csv"
    chemin.write_text(
        f'identifiant{separateur}montant\nACI054{separateur}"1 234,56"\n', encoding="utf-8"
    )
    brute = lire_table(chemin)
    assert list(brute.table.columns) == ["identifiant", "montant"]
    assert brute.table.iloc[0].tolist() == ["ACI054", "1 234,56"]


def test_csv_tout_en_texte_sans_perte(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_text("siret;departement;vide;na\n05412345600012;054;;NA\n", encoding="utf-8")
    brute = lire_table(chemin)
    assert brute.table.iloc[0].tolist() == ["05412345600012", "054", "", "NA"]
    assert all(isinstance(v, str) for v in brute.table.iloc[0])


def test_csv_numeros_de_ligne_comme_dans_le_fichier(tmp_path):
    """Ligne vide ignorée et cellule sur deux lignes : les numéros restent ceux du fichier."""
    chemin = tmp_path / "donnees.csv"
    chemin.write_text(
        'identifiant;adresse\nA1;"1 rue\nbâtiment B"\n\n;;\nA2;2 rue\n', encoding="utf-8"
    )
    brute = lire_table(chemin)
    assert brute.table["identifiant"].tolist() == ["A1", "A2"]
    assert brute.table["adresse"].tolist() == ["1 rue\nbâtiment B", "2 rue"]
    assert brute.lignes == [2, 6]
    assert brute.feuille is None


def test_csv_colonnes_sans_en_tete(tmp_path):
    """Séparateurs en fin de ligne ignorés ; une colonne sans en-tête mais remplie est gardée."""
    chemin = tmp_path / "donnees.csv"
    chemin.write_text("a;b;;\n1;2;;\n3;4;x;\n", encoding="utf-8")
    brute = lire_table(chemin)
    assert list(brute.table.columns) == ["a", "b", "(colonne 3)"]
    assert brute.table["(colonne 3)"].tolist() == ["", "x"]


def test_en_tete_repete_suffixe(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_text("type; type ;type\nEI;ACI;AI\n", encoding="utf-8")
    colonnes = list(lire_table(chemin).table.columns)
    assert colonnes == ["type", "type (2)", "type (3)"]
    assert [nom_d_origine(c) for c in colonnes] == ["type", "type", "type"]


def test_csv_entree_inchangee(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_bytes(("\ufeff" + CONTENU).encode("utf-8"))
    avant = empreinte(chemin)
    lire_table(chemin)
    assert empreinte(chemin) == avant


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_zeros_initiaux_nombres_et_dates(tmp_path):
    chemin = ecrire_xlsx(
        tmp_path / "donnees.xlsx",
        {
            "Données SIAE": {
                (0, 0): "siret",
                (0, 1): "departement",
                (0, 2): "entier",
                (0, 3): "montant",
                (0, 4): "date",
                (0, 5): "booleen",
                (0, 6): "petit",
                (1, 0): "05412345600012",
                (1, 1): "054",
                (1, 2): 54.0,
                (1, 3): 1234.56,
                (1, 4): dt.date(2015, 12, 31),
                (1, 5): True,
                (1, 6): 0.1 + 0.2,
                (2, 0): 46270107900016,
                (2, 1): 54,
                (2, 2): 12345678901234.0,
                (2, 3): -0.5,
            }
        },
    )
    brute = lire_table(chemin)
    assert brute.feuille == "Données SIAE"
    assert brute.table.iloc[0].tolist() == [
        "05412345600012",
        "054",
        "54",
        "1234.56",
        "31/12/2015",
        "vrai",
        "0.3",
    ]
    assert brute.table.iloc[1].tolist() == [
        "46270107900016",
        "54",
        "12345678901234",
        "-0.5",
        "",
        "",
        "",
    ]


def test_xlsx_numeros_de_ligne_excel(tmp_path):
    """En-tête en ligne 3 (lignes 1-2 vides), ligne 5 vide : numéros Excel 4 et 6."""
    chemin = ecrire_xlsx(
        tmp_path / "donnees.xlsx",
        {"Feuil1": {(2, 1): "identifiant", (3, 1): "A1", (5, 1): "A2"}},
    )
    brute = lire_table(chemin)
    assert brute.table["identifiant"].tolist() == ["A1", "A2"]
    assert brute.lignes == [4, 6]


def test_xlsx_premiere_feuille_ou_feuille_nommee(tmp_path):
    chemin = ecrire_xlsx(
        tmp_path / "classeur.xlsm",
        {"Accueil": {(0, 0): "titre", (1, 0): "bienvenue"}, "Données SIAE": {(0, 0): "x"}},
    )
    assert lire_table(chemin).feuille == "Accueil"
    brute = lire_table(chemin, "Données SIAE")
    assert brute.feuille == "Données SIAE"
    assert list(brute.table.columns) == ["x"]
    assert brute.lignes == []


def test_lieu_pour_les_messages(tmp_path):
    classeur = ecrire_xlsx(tmp_path / "c.xlsx", {"Données SIAE": {(0, 0): "a"}})
    assert lire_table(classeur).lieu() == "c.xlsx, feuille « Données SIAE »"
    texte = tmp_path / "d.csv"
    texte.write_text(CONTENU, encoding="utf-8")
    assert lire_table(texte).lieu() == "d.csv"


def test_xlsx_feuille_absente(tmp_path):
    chemin = ecrire_xlsx(tmp_path / "c.xlsx", {"Accueil": {}, "Paramètres": {}})
    with pytest.raises(ErreurEntree) as erreur:
        lire_table(chemin, "Données SIAE")
    assert str(erreur.value) == (
        "c.xlsx : pas de feuille « Données SIAE » "
        "(feuilles présentes : « Accueil », « Paramètres »)."
    )


def test_xlsx_entree_inchangee(tmp_path):
    chemin = ecrire_xlsx(tmp_path / "d.xlsx", {"F": {(0, 0): "a", (1, 0): 1.5}})
    avant = empreinte(chemin)
    lire_table(chemin)
    assert empreinte(chemin) == avant


# --- Refus --------------------------------------------------------------------------------


def test_fichier_absent(tmp_path):
    with pytest.raises(ErreurEntree, match="Fichier introuvable : .*absent.csv"):
        lire_table(tmp_path / "absent.csv")


def test_fichier_trop_gros(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_text(CONTENU + "ACI054;054;1 234,56\n" * 198, encoding="utf-8")
    with pytest.raises(ErreurEntree, match="donnees.csv : fichier refusé, .* dépasse la limite"):
        lire_table(chemin, taille_max=1000)
    assert len(lire_table(chemin, taille_max=100_000).table) == 200


def test_xlsx_trop_gros_une_fois_decompresse(tmp_path, monkeypatch):
    """Une « bombe » de décompression : petit fichier, contenu énorme (limite abaissée)."""
    cellules = {(i, 0): "x" * 200 for i in range(2000)}
    chemin = ecrire_xlsx(tmp_path / "bombe.xlsx", {"F": cellules})
    monkeypatch.setattr(limites, "DECOMPRESSE_MAX", 100_000)
    with pytest.raises(ErreurEntree, match="bombe.xlsx : fichier refusé, son contenu décompressé"):
        lire_table(chemin)


def test_extension_inconnue(tmp_path):
    chemin = tmp_path / "donnees.ods"
    chemin.write_bytes(b"PK")
    with pytest.raises(ErreurEntree) as erreur:
        lire_table(chemin)
    assert str(erreur.value) == (
        "donnees.ods : format « .ods » non reconnu (formats acceptés : .csv, .xlsx, .xlsm)."
    )


def test_xlsx_illisible(tmp_path):
    chemin = tmp_path / "abime.xlsx"
    chemin.write_bytes(b"ceci n'est pas un classeur")
    with pytest.raises(ErreurEntree, match="abime.xlsx : fichier illisible"):
        lire_table(chemin)


def test_csv_binaire_illisible(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_bytes(b"identifiant;x\n\x00\x01\x02\x81\x8d")
    with pytest.raises(
        ErreurEntree, match="donnees.csv : fichier illisible, ce n'est pas un texte"
    ):
        lire_table(chemin)


def test_csv_sans_feuille(tmp_path):
    chemin = tmp_path / "donnees.csv"
    chemin.write_text(CONTENU, encoding="utf-8")
    with pytest.raises(ErreurEntree, match="fichier CSV : il n'a pas de feuille « Données SIAE »"):
        lire_table(chemin, "Données SIAE")


def test_xlsx_entite_xml_refusee_sans_etre_developpee(tmp_path):
    """« Billion laughs » : une entité définie dans un DTD n'est jamais développée."""
    sain = ecrire_xlsx(tmp_path / "sain.xlsx", {"F": {(0, 0): "identifiant", (1, 0): "x"}})
    dtd = (
        '<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]>"
    )
    piege = tmp_path / "piege.xlsx"
    with zipfile.ZipFile(sain) as source, zipfile.ZipFile(piege, "w") as cible:
        for nom in source.namelist():
            contenu = source.read(nom)
            if nom == "xl/sharedStrings.xml":
                texte = contenu.decode().replace("?>", "?>" + dtd, 1)
                contenu = texte.replace("<t>x</t>", "<t>&i;</t>").encode()
            cible.writestr(nom, contenu)
    with pytest.raises(ErreurEntree, match="piege.xlsx : fichier illisible"):
        lire_table(piege)


def test_openpyxl_utilise_defusedxml():
    """Les autres lecteurs du projet qui passent par openpyxl sont protégés de la même façon."""
    assert openpyxl.xml.DEFUSEDXML is True
