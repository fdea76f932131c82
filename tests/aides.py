"""Outils communs aux tests de bout en bout : fichiers de démonstration, empreintes, commande."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

from iae_modulation.cli import main
from iae_modulation.demonstration import dossier_demo

DEMO = dossier_demo()
DONNEES = DEMO / "donnees_demo.csv"
EXPORT_ACI = DEMO / "exports" / "ACI.xlsx"
# FluxIAE réel publié (extrait, sans ligne « FIN… ») : lu dans shared/, jamais versé au dépôt
ECHANTILLON = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "fluxIAE_AnnexeFinanciere_22022022_112211.csv.gz"
)


def echantillon_avec_fin(dossier: Path) -> Path:
    """L'échantillon réel complété, le temps du test, de la ligne « FIN… » d'un export entier."""
    chemin = Path(dossier) / ECHANTILLON.name
    with gzip.open(ECHANTILLON, "rb") as source, gzip.open(chemin, "wb") as cible:
        shutil.copyfileobj(source, cible)
        cible.write(b"FINAnnexeFinanciere07022022_063004" + b"|" * 127 + b"\n")
    return chemin


def empreinte(chemin: Path) -> str:
    """SHA-256 d'un fichier (pour vérifier qu'une entrée n'a pas été modifiée)."""
    return hashlib.sha256(Path(chemin).read_bytes()).hexdigest()


def demo_hors_detention(chemin: Path, retirer: bool = False, encodage: str = "utf-8") -> Path:
    """Les données de la démonstration, sa structure en milieu pénitentiaire marquée « non »
    (ou retirée, `retirer`) : il n'y en a pas avant le décret n° 2016-531 du 27 avril 2016."""
    entete, *lignes = DONNEES.read_text(encoding="utf-8-sig").splitlines()
    position = entete.split(";").index("milieu_penitentiaire")
    gardees = []
    for ligne in lignes:
        cellules = ligne.split(";")
        if cellules[position] == "oui":
            if retirer:
                continue
            cellules[position] = "non"
        gardees.append(";".join(cellules))
    Path(chemin).write_text("\n".join([entete, *gardees]) + "\n", encoding=encodage)
    return Path(chemin)


def calculer(sortie: Path, annee: int, *options: str, donnees: Path = DONNEES) -> int:
    """`iae-modulation calculer` sur les données de démonstration (ou `donnees`)."""
    return main(
        ["calculer", str(donnees), "--annee", str(annee), "--sortie", str(sortie), *options]
    )


def sortie_capturee(capsys) -> str:
    """Sortie standard et d'erreur de la commande, ensemble."""
    capture = capsys.readouterr()
    return capture.out + capture.err


def grand_livre(chemin: Path, annee: int | None = None):
    """Le grand livre relu et vérifié (`resultats.lire_grand_livre`), en table pandas."""
    import pandas as pd
    from iae_modulation.resultats import lire_grand_livre

    return pd.DataFrame(lire_grand_livre(chemin, annee).lignes)


def ligne_de_grand_livre(identifiant: str, type_: str, departement: str, **valeurs) -> dict:
    """Une ligne de grand livre pour rendre une lettre sans la relire (`valeurs_notification`) :
    les colonnes calculées (avant enveloppe, modulé, taux effectif, régularisation, net) sont
    déduites de celles données, par les fonctions du calcul ; les autres valent celles d'une ACI
    classée par la méthode par défaut (rangs 3, 18 et 20 sur 20). Un grand livre à relire vient
    d'un vrai calcul : `grand_livre_calcule`."""
    from decimal import Decimal

    from iae_modulation.montants import montant_module, montant_reduit, taux_effectif
    from iae_modulation.regularisation import Versement2014, regulariser
    from iae_modulation.resultats import COLONNES_RESULTATS

    ligne = dict.fromkeys(COLONNES_RESULTATS)
    ligne.update(
        annee="2026",
        identifiant=identifiant,
        siret="",
        raison_sociale=f"Nom du calcul {identifiant}",
        adresse="",
        code_postal="",
        commune="",
        type=type_,
        departement=departement,
        region="Grand Est",
        motif_taux="classement",
        methode="Méthode par défaut (note DGEFP n° 2014-04)",
        notation="rang",
        groupe="ACI Grand Est",
        repartition="plafond",
        poids_publics=Decimal("0.35"),
        poids_effort=Decimal("0.40"),
        poids_resultats=Decimal("0.25"),
        plafond=Decimal("0.1"),
        plafond_methode=Decimal("0.1"),
        justification="",
        anomalies="",
        nb_beneficiaires_minima=Decimal("10"),
        nb_salaries_insertion=Decimal("22"),
        etp_encadrement=Decimal("3.46"),
        etp_insertion=Decimal("8.58"),
        sorties_dynamiques=Decimal("7"),
        sorties_totales=Decimal("10"),
        publics=Decimal("0.4545"),
        effort=Decimal("0.4033"),
        resultats=Decimal("0.7"),
        rang_publics=Decimal("3"),
        rang_effort=Decimal("18"),
        rang_resultats=Decimal("20"),
        effectif_publics=Decimal("20"),
        effectif_effort=Decimal("20"),
        effectif_resultats=Decimal("20"),
        score_publics=Decimal("0.1053"),
        score_effort=Decimal("0.8947"),
        score_resultats=Decimal("1"),
        taux_calcule=Decimal("0.0645"),
        montant_socle=Decimal("215528.21"),
    )
    ligne.update(valeurs)
    ligne["montant_avant_enveloppe"] = montant_module(ligne["montant_socle"], ligne["taux_calcule"])
    ligne["montant_module"] = ligne["montant_avant_enveloppe"]
    if ligne["enveloppe_disponible"] is not None:
        ligne["montant_module"] = montant_reduit(
            ligne["montant_avant_enveloppe"],
            ligne["enveloppe_disponible"],
            ligne["total_avant_enveloppe"],
        )
    ligne["taux_effectif"] = taux_effectif(ligne["montant_module"], ligne["montant_socle"])
    ligne["montant_net"] = ligne["montant_module"]
    if ligne["montant_verse_2014"] is not None:
        calcul = regulariser(
            ligne["montant_module"],
            Versement2014(
                ligne["montant_verse_2014"],
                ligne["etp_conventionnes_2014"],
                ligne["etp_realises_2014"],
            ),
        )
        ligne.update(
            regularisation=calcul.deduction, reste_a_deduire=calcul.reste, montant_net=calcul.net
        )
    return ligne


def ecrire_csv(chemin: Path, lignes: list[dict]) -> Path:
    """Un CSV « ; » des dictionnaires `lignes` (colonnes dans l'ordre où elles apparaissent)."""
    import csv

    colonnes = list(dict.fromkeys(c for ligne in lignes for c in ligne))
    with open(chemin, "w", encoding="utf-8", newline="") as fichier:
        ecrivain = csv.DictWriter(fichier, colonnes, delimiter=";")
        ecrivain.writeheader()
        ecrivain.writerows(lignes)
    return Path(chemin)


def grand_livre_calcule(
    dossier: Path,
    structures: list[dict],
    annee: int = 2026,
    *,
    enveloppes: dict[str, str] | None = None,
    versements: dict[str, tuple[str, str, str]] | None = None,
) -> Path:
    """Le grand livre d'un vrai calcul (`iae-modulation calculer`) de la table canonique
    `structures` (une ligne par dict, colonne -> texte), avec son manifeste ; les entrées sont
    écrites à côté du dossier (`<dossier>-donnees.csv`…). `enveloppes` : région -> montant ;
    `versements` : identifiant -> (montant versé 2014, ETP conventionnés, ETP réalisés)."""
    dossier = Path(dossier)
    dossier.parent.mkdir(parents=True, exist_ok=True)
    donnees = ecrire_csv(dossier.with_name(f"{dossier.name}-donnees.csv"), structures)
    options = ["calculer", str(donnees), "--annee", str(annee), "--sortie", str(dossier)]
    if enveloppes:
        lignes = [{"region": r, "enveloppe": m} for r, m in enveloppes.items()]
        chemin = ecrire_csv(dossier.with_name(f"{dossier.name}-enveloppes.csv"), lignes)
        options += ["--enveloppes", str(chemin)]
    if versements:
        colonnes = ("montant_verse_2014", "etp_conventionnes_2014", "etp_realises_2014")
        lignes = [
            {"identifiant": i, **dict(zip(colonnes, v, strict=True))} for i, v in versements.items()
        ]
        chemin = ecrire_csv(dossier.with_name(f"{dossier.name}-versements.csv"), lignes)
        options += ["--versements-2014", str(chemin)]
    assert main(options) == 0
    return dossier / "resultats.csv"


def imprimable(feuille) -> bool:
    """Une feuille openpyxl prête à imprimer : A4, une page de large (hauteur libre) ou par
    zones (échelle de 80 % au moins, colonnes réparties sur des pages, premières colonnes
    répétées), pied de page numéroté qui nomme la campagne."""
    mise = feuille.page_setup
    une_page = (
        bool(
            feuille.sheet_properties.pageSetUpPr and feuille.sheet_properties.pageSetUpPr.fitToPage
        )
        and int(mise.fitToWidth or 1) == 1
        and int(mise.fitToHeight) == 0
    )
    par_zones = int(mise.scale or 100) >= 80 and bool(feuille.print_title_cols)
    return (
        int(mise.paperSize) == 9
        and (une_page or par_zones)
        and "&P" in (feuille.oddFooter.center.text or "")
        and "Campagne" in (feuille.oddFooter.right.text or "")
    )


def points_imprimes(feuille, colonnes: range) -> float:
    """La largeur imprimée de ces colonnes (indices depuis 0), en points, d'après les largeurs
    enregistrées : 7 pixels par unité de largeur Excel, trois quarts de point par pixel."""
    from openpyxl.utils import get_column_letter

    return sum(
        feuille.column_dimensions[get_column_letter(j + 1)].width * 7 * 0.75 for j in colonnes
    )


A4_PAYSAGE = 29.7 / 2.54 * 72  # points


def zones_imprimees(feuille) -> list[range]:
    """Les colonnes (indices depuis 0) de chaque page d'une feuille imprimée par zones, colonnes
    répétées exclues : une page s'arrête avant chaque saut de page vertical."""
    repetees = len(range(*(i - 1 for i in bornes_colonnes(feuille.print_title_cols))))
    zone = feuille.print_area
    fin = feuille.max_column
    if zone:  # « 'Résultats'!$A$1:$BC$41 » : jusqu'à la colonne BC
        fin = bornes_colonnes(zone.split("!")[1].split(":")[1].rstrip("0123456789"))[0]
    coupures = [repetees, *(b.id for b in feuille.col_breaks.brk), fin]
    return [range(a, b) for a, b in zip(coupures, coupures[1:], strict=False)]


def bornes_colonnes(colonnes: str) -> tuple[int, int]:
    """« $A:$C » -> (1, 4) ; « BC » -> (55, 56)."""
    from openpyxl.utils import column_index_from_string

    debut, _, fin = colonnes.replace("$", "").partition(":")
    return column_index_from_string(debut), column_index_from_string(fin or debut) + 1


def taille_par_zones(feuille) -> float:
    """Arial 10 à l'échelle de la feuille ; chaque zone, colonnes répétées comprises, tient
    dans la largeur du papier entre les marges."""
    echelle = int(feuille.page_setup.scale) / 100
    utile = A4_PAYSAGE - 72 * (feuille.page_margins.left + feuille.page_margins.right)
    colonnes = range(*(i - 1 for i in bornes_colonnes(feuille.print_title_cols)))
    repetees = points_imprimes(feuille, colonnes)
    for zone in zones_imprimees(feuille):
        assert (repetees + points_imprimes(feuille, zone)) * echelle <= utile, zone
    return 10 * echelle


def entetes_de_page(chemin: Path) -> list[str]:
    """Le texte de chaque en-tête de page (word/header*.xml) d'un document Word."""
    import re
    import zipfile

    with zipfile.ZipFile(chemin) as archive:
        return [
            "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", archive.read(nom).decode()))
            for nom in sorted(archive.namelist())
            if re.fullmatch(r"word/header\d*\.xml", nom)
        ]


def empreinte_remise(dossier: Path, fichier: Path) -> None:
    """L'empreinte de `fichier` remise à jour dans le manifeste.json de `dossier`, comme le ferait
    quelqu'un qui veut faire passer une retouche (ou un défaut de l'outil)."""
    import json

    chemin = Path(dossier) / "manifeste.json"
    manifeste = json.loads(chemin.read_text("utf-8"))
    for sortie in manifeste["sorties"]:
        if sortie["fichier"] == Path(fichier).name:
            sortie["sha256"] = empreinte(fichier)
    chemin.write_text(json.dumps(manifeste), encoding="utf-8")


def classeur_de_campagne(chemin: Path, annee: int = 2026) -> Path:
    """Une copie du gabarit livré dont l'agent a renseigné l'année de campagne (le gabarit la
    laisse vide : aucune valeur de démonstration par défaut)."""
    from iae_modulation.chemins import GABARIT_CLASSEUR
    from iae_modulation.excel.fichier import ClasseurFichier

    chemin.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GABARIT_CLASSEUR, chemin)
    classeur = ClasseurFichier(chemin)
    classeur.ecrire_parametre("annee", annee)
    classeur.enregistrer()
    return chemin


def tailles_sur_papier(feuille) -> tuple[float, float]:
    """(texte, pied de page) en points d'une feuille openpyxl mise en page sur une page de large :
    Arial 10 et la taille du pied à l'échelle `zoom_imprime` de ses colonnes dans son
    orientation (3 % de moins pour
    le pied : le tableur arrête son échelle à quelques pour cent près). Un texte non renvoyé à
    la ligne qui déborde à droite de la dernière colonne élargit la page, comme LibreOffice
    l'imprime. Une feuille imprimée par zones (colonnes répétées) : Arial 10 et le pied à son
    échelle, chaque zone vérifiée assez étroite pour le papier (`taille_par_zones`)."""
    from iae_modulation.mise_en_page import unites, zoom_imprime

    pied = feuille.oddFooter
    tailles = [p.size or 11 for p in (pied.left, pied.center, pied.right) if p.text]
    assert tailles, f"{feuille.title} : pas de pied de page"
    if feuille.print_title_cols:
        taille = taille_par_zones(feuille)
        return taille, min(tailles) * taille / 10

    largeurs = [8.43] * feuille.max_column  # colonne sans largeur posée
    for dimension in feuille.column_dimensions.values():
        for j in range(dimension.min, min(dimension.max, feuille.max_column) + 1):
            largeurs[j - 1] = dimension.width - 5 / 7  # enregistrée marge comprise
    fusionnees = {c for zone in feuille.merged_cells.ranges for c in zone.cells}
    page = sum(largeurs)
    for ligne in feuille.iter_rows():
        cellule = next((c for c in reversed(ligne) if c.value not in (None, "")), None)
        if (  # seul le dernier texte d'une ligne peut déborder à droite de la feuille
            cellule is None
            or not isinstance(cellule.value, str)
            or (cellule.row, cellule.column) in fusionnees
            or cellule.alignment.wrap_text
        ):
            continue
        debut = sum(largeurs[: cellule.column - 1])
        texte = unites(cellule.value, bool(cellule.font.b)) * (cellule.font.sz or 10) / 10
        page = max(page, debut + texte + 1.5)
    debord = page - sum(largeurs)
    paysage = feuille.page_setup.orientation == "landscape"
    zoom = zoom_imprime([*largeurs, debord] if debord > 0 else largeurs, paysage)
    return 10 * zoom / 100, min(tailles) * (zoom - 3) / 100
