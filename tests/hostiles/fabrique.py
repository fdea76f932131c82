"""Fabrique du corpus hostile : chaque fichier est produit par du code au moment du test (aucun
fichier binaire versé). Les « gros » fichiers sont petits mais équivalents : bombe gzip écrite en
flux de zéros, limites abaissées par monkeypatch quand c'est le seul moyen de rester rapide."""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter
from aides import DONNEES, demo_hors_detention, empreinte_remise

ENTETE_DONNEES, *LIGNES_DONNEES = DONNEES.read_text(encoding="utf-8-sig").splitlines()
COLONNES_DONNEES = ENTETE_DONNEES.split(";")
PREMIER_IDENTIFIANT = LIGNES_DONNEES[0].split(";")[0]

COLONNES_FLUX = (
    "af_id_structure|af_numero_annexe_financiere|af_numero_avenant_renouvellement|"
    "af_numero_avenant_modification|af_mesure_dispositif_code|af_etat_annexe_financiere_code|"
    "af_date_debut_effet|af_date_fin_effet|af_etp_postes_insertion|"
    "af_montant_unitaire_annuel_valeur|af_montant_total_annuel|af_indic_cofinancement|"
    "af_mt_cofinance"
)
LIGNE_FLUX = (
    "1|ACI054210019|0|1|ACI_DC|VALIDE|01/01/2021|31/12/2021|8.86|20642.00|182888.12|false|0"
)


def donnees_modifiees(chemin: Path, colonne: str, valeur: str, ligne: int = 0) -> Path:
    """Les données de démonstration, une cellule remplacée (`ligne` : rang parmi les données)."""
    return donnees_avec(chemin, {(colonne, ligne): valeur})


def donnees_avec(chemin: Path, valeurs: dict[tuple[str, int], str]) -> Path:
    """Les données de démonstration, des cellules remplacées : (colonne, rang) -> texte."""
    lignes = [cellules.split(";") for cellules in LIGNES_DONNEES]
    for (colonne, ligne), valeur in valeurs.items():
        lignes[ligne][COLONNES_DONNEES.index(colonne)] = valeur
    texte = "\n".join([ENTETE_DONNEES, *(";".join(c) for c in lignes)]) + "\n"
    Path(chemin).write_text(texte, encoding="utf-8")
    return Path(chemin)


def donnees_2015(chemin: Path) -> Path:
    """Les données de démonstration utilisables pour 2015 (pas de taux « milieu pénitentiaire »
    avant 2017) : la régularisation des versements 2014 ne concerne que 2015."""
    return demo_hors_detention(chemin)


def fluxiae(chemin: Path, lignes: list[str], fin: bool = True) -> Path:
    contenu = ["DEBAnnexeFinanciere07022022_063004" + "|" * 12, COLONNES_FLUX, *lignes]
    if fin:
        contenu.append("FIN" + "|" * 12)
    octets = ("\n".join(contenu) + "\n").encode("utf-8")
    Path(chemin).write_bytes(gzip.compress(octets) if str(chemin).endswith(".gz") else octets)
    return Path(chemin)


def bombe_gzip(chemin: Path, octets: int, motif: bytes = b"\0") -> Path:
    """Un .gz minuscule qui se décompresse en `octets` octets, écrit en flux (jamais en mémoire)."""
    bloc = motif * ((1 << 20) // len(motif))
    with gzip.open(chemin, "wb", compresslevel=1) as sortie:
        for _ in range(octets // len(bloc)):
            sortie.write(bloc)
    return Path(chemin)


def xlsx(chemin: Path, lignes: list[list[object]], cachees: tuple[int, ...] = ()) -> Path:
    """Un classeur d'une feuille ; `cachees` : rangs (0 = première ligne) masqués."""
    with xlsxwriter.Workbook(str(chemin), {"strings_to_numbers": False}) as livre:
        feuille = livre.add_worksheet("Données")
        for rang, valeurs in enumerate(lignes):
            feuille.write_row(rang, 0, valeurs)
            if rang in cachees:
                feuille.set_row(rang, None, None, {"hidden": True})
    return Path(chemin)


def xlsx_donnees(chemin: Path, cachees: tuple[int, ...] = ()) -> Path:
    lignes = [COLONNES_DONNEES, *(ligne.split(";") for ligne in LIGNES_DONNEES)]
    return xlsx(chemin, lignes, cachees)


def cellule_lointaine(chemin: Path) -> Path:
    """6 ko sur disque ; une cellule en XFD1048576 ferait réserver 550 Go à calamine."""
    with xlsxwriter.Workbook(str(chemin)) as livre:
        feuille = livre.add_worksheet("Données")
        feuille.write_row(0, 0, COLONNES_DONNEES)
        feuille.write_row(1, 0, LIGNES_DONNEES[0].split(";"))
        feuille.write(1048575, 16383, "x")
    return Path(chemin)


def archive_gonflee(source: Path, chemin: Path, octets: int) -> Path:
    """Copie d'une archive zip (.xlsx, .xlsm, .docx) avec une partie de `octets` espaces, très
    compressible : une « bombe » de décompression."""
    with zipfile.ZipFile(source) as entree, zipfile.ZipFile(chemin, "w") as sortie:
        for info in entree.infolist():
            sortie.writestr(info, entree.read(info), compress_type=zipfile.ZIP_DEFLATED)
        with sortie.open("customXml/remplissage.xml", "w") as partie:
            bloc = b" " * (1 << 20)
            for _ in range(octets // len(bloc)):
                partie.write(bloc)
    return Path(chemin)


def docx_modifie(source: Path, chemin: Path, partie: str, remplacer) -> Path:
    """Copie d'un .docx dont une partie XML est transformée par `remplacer(bytes) -> bytes`."""
    with zipfile.ZipFile(source) as entree, zipfile.ZipFile(chemin, "w") as sortie:
        for info in entree.infolist():
            contenu = entree.read(info)
            if info.filename == partie:
                contenu = remplacer(contenu)
            sortie.writestr(info, contenu, compress_type=zipfile.ZIP_DEFLATED)
    return Path(chemin)


def xml_lisible(chemin: Path) -> None:
    """Vérifie, comme Word ou Excel, que chaque partie XML du document se lit."""
    from lxml import etree

    with zipfile.ZipFile(chemin) as archive:
        for nom in archive.namelist():
            if nom.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(nom))


def classeur_formule(source: Path, chemin: Path, formule: str, valeur: float | None) -> Path:
    """Copie du classeur où « Enveloppe régionale » est une formule ; `valeur` : ce qu'Excel a
    calculé et enregistré (None : jamais ouvert dans Excel)."""
    livre = openpyxl.load_workbook(source, keep_vba=True)
    feuille, adresse = next(iter(livre.defined_names["enveloppe"].destinations))
    livre[feuille][adresse.replace("$", "")] = formule
    livre.save(chemin)
    if valeur is None:
        return Path(chemin)
    cellule = adresse.replace("$", "")
    with zipfile.ZipFile(chemin) as archive:
        parties = {nom: archive.read(nom) for nom in archive.namelist()}
    nom = f"xl/worksheets/sheet{livre.sheetnames.index(feuille) + 1}.xml"
    calculee = f'<c r="{cellule}"><f>{formule.lstrip("=")}</f><v>{valeur}</v></c>'
    parties[nom] = re.sub(
        rf'<c r="{cellule}"[^>]*>.*?</c>', calculee, parties[nom].decode("utf-8"), count=1
    ).encode("utf-8")
    with zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as archive:
        for nom_partie, contenu in parties.items():
            archive.writestr(nom_partie, contenu)
    return Path(chemin)


def grand_livre_retouche(calcul: Path, dossier: Path, retoucher, manifeste: bool = True) -> Path:
    """Copie d'un dossier de calcul dont le grand livre est retouché à la main
    (`retoucher(lignes)`, dict colonne -> texte, en place) ; `manifeste` : l'empreinte consignée
    est recalculée, comme le ferait quelqu'un qui veut faire passer la retouche."""
    import csv
    import io
    import shutil

    shutil.copytree(calcul, dossier)
    chemin = dossier / "resultats.csv"
    lecteur = csv.DictReader(io.StringIO(chemin.read_text(encoding="utf-8-sig")), delimiter=";")
    lignes = list(lecteur)
    retoucher(lignes)
    texte = io.StringIO()
    ecrivain = csv.DictWriter(texte, lecteur.fieldnames, delimiter=";", lineterminator="\r\n")
    ecrivain.writeheader()
    ecrivain.writerows(lignes)
    chemin.write_text(texte.getvalue(), encoding="utf-8-sig")
    if manifeste:
        empreinte_remise(dossier, chemin)
    return chemin
