"""Construction reproductible de templates/IAE_modulation.xlsm, sans Excel (issue 5).

1. Projet VBA généré depuis les sources (`projet_vba.py`).
2. Feuilles, tableau, listes de validation, cellules nommées et graphiques (XlsxWriter), qui
   ajoute aussi le projet VBA (type de contenu « macroEnabled »).
3. Ruban `xl/customUI14.xml` et sa relation, puis archive réécrite dans un ordre fixe, à date
   fixe : deux constructions donnent les mêmes octets.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import tomllib
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import xlsxwriter
import yaml

from iae_modulation import donnees, parametres, referentiel
from iae_modulation.chemins import DOSSIER_XL, GABARIT_CLASSEUR, RACINE_DEPOT
from iae_modulation.classeur_resultats import ENTETES, LARGEURS
from iae_modulation.colonnes import COLONNES_RESULTATS, NOTATIONS
from iae_modulation.documents.autorite import LIBELLES_NIVEAUX
from iae_modulation.excel import classeur as contrat
from iae_modulation.excel import paquet
from iae_modulation.excel.projet_vba import (
    ErreurConstruction,
    corps_du_classeur,
    modules_vba,
    projet_vba,
)
from iae_modulation.excel.tableau import FORMATS_RESULTATS
from iae_modulation.lecture import lire_nombre, lire_table
from iae_modulation.methode import GROUPES, REPARTITIONS

SOURCES = DOSSIER_XL
GABARIT = GABARIT_CLASSEUR
DEMO = Path(__file__).resolve().parents[1] / "demo" / "donnees_demo.csv"
DATE_DOCUMENT = dt.datetime(2026, 1, 1)
# Les nombres des textes que la mise en page cite (« {poids_publics} % ») : lus dans les
# paramètres, en vigueur à la date du gabarit.
NOMBRES_CITES = (
    "poids_publics",
    "poids_effort",
    "poids_resultats",
    "taux_modulation_max",
    "taux_milieu_penitentiaire",
)
LIGNES_VALIDEES = 5000  # les listes déroulantes couvrent les lignes ajoutées au tableau


def verifier_outils(depot: Path = RACINE_DEPOT) -> None:
    """Les versions exactes de l'extra [construction] (XlsxWriter, pyOpenVBA) : d'autres
    écriraient un autre gabarit, octet pour octet."""
    projet = tomllib.loads((depot / "pyproject.toml").read_text("utf-8"))
    for texte in projet["project"]["optional-dependencies"]["construction"]:
        nom, egal, attendue = texte.partition("==")
        if not egal:
            continue
        try:
            installee = metadata.version(nom)
        except metadata.PackageNotFoundError:
            installee = "absent"
        if installee != attendue:
            raise ErreurConstruction(
                f"{nom} {installee} ; le gabarit se construit avec exactement {nom} {attendue} "
                '(pip install -e ".[construction]" -c contraintes.txt).'
            )


# --- feuilles -------------------------------------------------------------------------------------


def lire_disposition(sources: Path = SOURCES) -> dict:
    chemin = sources / "feuilles.yaml"
    if not chemin.is_file():
        raise ErreurConstruction(f"Mise en page des feuilles introuvable : {chemin}")
    disposition = yaml.safe_load(_citer_les_parametres(chemin.read_text("utf-8")))
    noms = tuple(p["nom"] for p in disposition["parametres"])
    if noms != contrat.NOMS_PARAMETRES:
        raise ErreurConstruction(
            f"{chemin.name} : les paramètres {noms} ne sont pas ceux que lit le code "
            f"({contrat.NOMS_PARAMETRES}), dans le même ordre."
        )
    return disposition


def _citer_les_parametres(texte: str) -> str:
    """« {poids_publics} % » -> « 35 % » : le pour cent de chaque paramètre cité (note DGEFP
    n° 2014-04, annexe 2 ; arrêté du taux maximal), à la date du gabarit ; et les deux années
    que cite l'Accueil : {annee_sans_arrete}, la première année sans arrêté enregistré à partir
    de celle du gabarit, {debut_plafond_penitentiaire}, celle depuis laquelle le taux du milieu
    pénitentiaire est un plafond (paramètre regle_milieu_penitentiaire)."""
    jour = DATE_DOCUMENT.date()
    cites = {
        nom: f"{(Decimal(str(parametres.valeur(nom, jour).valeur)) * 100).normalize():f}"
        for nom in NOMBRES_CITES
    }
    cites["annee_sans_arrete"] = str(_premiere_annee_sans_arrete(jour.year))
    cites["debut_plafond_penitentiaire"] = str(_debut_du_plafond_penitentiaire(jour))
    return re.sub(r"\{(\w+)\}", lambda m: cites.get(m[1], m[0]), texte)


def _premiere_annee_sans_arrete(annee: int) -> int:
    """La première année, à partir de `annee`, dont aucun montant socle n'est enregistré."""
    while parametres.annee_sans_arrete(annee) is None:
        annee += 1
    return annee


def _debut_du_plafond_penitentiaire(jour: dt.date) -> int:
    """L'année du premier bloc d'une suite ininterrompue de blocs « plafond » qui mène à `jour`
    (regle_milieu_penitentiaire.yaml)."""
    periodes = [
        p
        for p in parametres.tous_les_parametres()["regle_milieu_penitentiaire"].periodes
        if p.debut <= jour
    ]
    debut = None
    for periode in reversed(periodes):
        if periode.valeur != "plafond":
            break
        debut = periode.debut
    if debut is None:
        raise ErreurConstruction(
            f"regle_milieu_penitentiaire au {jour:%d/%m/%Y} n'est pas « plafond » : l'Accueil "
            "(xl/feuilles.yaml) dit le contraire, corrigez-le."
        )
    return debut.year


class _Ecrivain:
    """Les feuilles du gabarit, écrites dans un classeur XlsxWriter."""

    def __init__(self, livre: xlsxwriter.Workbook, disposition: dict, structures: Path) -> None:
        self.livre = livre
        self.disposition = disposition
        self.structures = structures
        self.f = {
            "titre": livre.add_format({"bold": True, "font_size": 16, "font_color": "#1F3864"}),
            "sous_titre": livre.add_format({"italic": True, "font_color": "#595959"}),
            "section": livre.add_format({"bold": True, "font_size": 12, "font_color": "#1F3864"}),
            "texte": livre.add_format({"text_wrap": True, "valign": "top"}),
            "entete": livre.add_format(
                {
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "saisie": livre.add_format({"bg_color": "#FFF2CC", "border": 1}),
            "saisie_euros": livre.add_format(
                {"bg_color": "#FFF2CC", "border": 1, "num_format": contrat.FORMAT_EUROS}
            ),
            "euros": livre.add_format({"num_format": contrat.FORMAT_EUROS}),
            "pourcent": livre.add_format({"num_format": contrat.FORMAT_POURCENT}),
            "fraction": livre.add_format({"num_format": contrat.FORMAT_FRACTION}),
            "nombre": livre.add_format({"num_format": "0.00"}),
        }
        self.feuilles = {nom: livre.add_worksheet(nom) for nom in contrat.FEUILLES}

    def tout(self) -> None:
        self.listes()
        self.accueil()
        self.parametres()
        self.donnees()
        self.verification()
        self.resultats()
        self.synthese()
        self.simulation()
        self.journal()
        self.configuration()
        self.feuilles[contrat.ACCUEIL].activate()

    def listes(self) -> None:
        ws = self.feuilles[contrat.LISTES]
        colonnes = {
            "types": ("Types de SIAE", list(referentiel.TYPES_SIAE)),
            "departements": ("Départements", list(referentiel.departements())),
            "regions": ("Régions", list(referentiel.regions())),
            "methodes": ("Notations", list(NOTATIONS)),
            "oui_non": ("Oui / non", ["oui", "non"]),
            "mesures": ("Mesures (annexe 5)", list(referentiel.TYPES_SIAE)),
            "groupes": ("Groupes", list(GROUPES.values())),
            "repartitions": ("Répartitions", list(REPARTITIONS)),
            "autorites": ("Autorité qui signe", list(LIBELLES_NIVEAUX)),
        }
        self.plages = {}
        for position, (cle, (titre, valeurs)) in enumerate(colonnes.items()):
            ws.write_string(0, position, titre, self.f["entete"])
            for rang, valeur in enumerate(valeurs, start=1):
                ws.write_string(rang, position, valeur)
            lettre = xlsxwriter.utility.xl_col_to_name(position)
            self.plages[cle] = f"='{contrat.LISTES}'!${lettre}$2:${lettre}${len(valeurs) + 1}"
            ws.set_column(position, position, 24)
        ws.hide()

    def accueil(self) -> None:
        ws = self.feuilles[contrat.ACCUEIL]
        accueil = self.disposition["accueil"]
        ws.set_column(0, 0, 170)
        ws.write_string(0, 0, accueil["titre"], self.f["titre"])
        ws.write_string(1, 0, accueil["sous_titre"], self.f["sous_titre"])
        ligne = 3
        for section in accueil["sections"]:
            ws.write_string(ligne, 0, section["titre"], self.f["section"])
            ligne += 1
            for texte in section["lignes"]:
                ws.write_string(ligne, 0, texte)
                ligne += 1
            ligne += 1
        ws.hide_gridlines(2)

    def parametres(self) -> None:
        ws = self.feuilles[contrat.PARAMETRES]
        ws.write_string(0, 0, "Paramètres de la campagne", self.f["titre"])
        for colonne, (titre, largeur) in enumerate(
            (("Paramètre", 34), ("Valeur", 46), ("Aide", 100))
        ):
            ws.write_string(2, colonne, titre, self.f["entete"])
            ws.set_column(colonne, colonne, largeur)
        for rang, parametre in enumerate(self.disposition["parametres"], start=3):
            ws.write_string(rang, 0, parametre["libelle"])
            valeur = parametre["valeur"]
            style = self.f["saisie_euros" if parametre.get("format") == "euros" else "saisie"]
            if isinstance(valeur, int | float):
                ws.write_number(rang, 1, valeur, style)
            else:
                ws.write_string(rang, 1, str(valeur), style)
            ws.write_string(rang, 2, parametre["aide"], self.f["texte"])
            if "liste" in parametre:
                ws.data_validation(
                    rang,
                    1,
                    rang,
                    1,
                    {
                        "validate": "list",
                        "source": self.plages[parametre["liste"]],
                    },
                )
            self.livre.define_name(parametre["nom"], f"='{contrat.PARAMETRES}'!$B${rang + 1}")
        ws.freeze_panes(3, 0)

    def donnees(self) -> None:
        ws = self.feuilles[contrat.DONNEES]
        brute = lire_table(self.structures)
        par_nom = {c.nom: c for c in donnees.COLONNES}
        colonnes = list(donnees.NOMS_COLONNES)
        lignes = []
        for rangee in brute.table.itertuples(index=False):
            valeurs = dict(zip(brute.table.columns, rangee, strict=True))
            lignes.append([_valeur_demo(par_nom[c], valeurs.get(c, "")) for c in colonnes])
        formats = {
            "montant": self.f["euros"],
            "nombre": self.f["nombre"],
            "effectif": self.f["nombre"],
        }
        ws.add_table(
            0,
            0,
            len(lignes),
            len(colonnes) - 1,
            {
                "name": contrat.TABLE_DONNEES,
                "style": "Table Style Medium 2",
                "data": lignes,
                "columns": [
                    {"header": c, "format": formats.get(par_nom[c].nature)} for c in colonnes
                ],
            },
        )
        for position, nom in enumerate(colonnes):
            ws.set_column(position, position, 30 if par_nom[nom].nature == "texte" else 16)
            ws.write_comment(0, position, par_nom[nom].libelle)
            liste = {
                "type": "types",
                "departement": "departements",
                "region": "regions",
                "milieu_penitentiaire": "oui_non",
            }.get(nom)
            if liste:
                ws.data_validation(
                    1,
                    position,
                    LIGNES_VALIDEES,
                    position,
                    {
                        "validate": "list",
                        "source": self.plages[liste],
                        "error_title": "Valeur non reconnue",
                        "error_message": f"Choisissez une valeur de la liste « {nom} ».",
                    },
                )
        ws.freeze_panes(1, 1)

    def verification(self) -> None:
        ws = self.feuilles[contrat.VERIFICATION]
        ws.write_string(
            0,
            0,
            "Aucune vérification pour l'instant : cliquez sur « Vérifier les "
            "données » dans l'onglet « IAE Modulation ».",
        )
        largeurs = self.disposition["verification"]["largeurs"]
        self._entetes(
            ws, contrat.LIGNE_ENTETE_VERIFICATION - 1, contrat.COLONNES_VERIFICATION, largeurs
        )

    def resultats(self) -> None:
        ws = self.feuilles[contrat.RESULTATS]
        for position, colonne in enumerate(COLONNES_RESULTATS):
            ws.write_string(0, position, ENTETES[colonne], self.f["entete"])
            format_nombre = FORMATS_RESULTATS[position]
            style = self.livre.add_format({"num_format": format_nombre}) if format_nombre else None
            ws.set_column(position, position, LARGEURS.get(colonne, 16), style)
        ws.freeze_panes(1, 1)

    def synthese(self) -> None:
        ws = self.feuilles[contrat.SYNTHESE]
        reglages = self.disposition["synthese"]
        ws.write_string(0, 0, reglages["titre"], self.f["titre"])
        entete = contrat.LIGNE_ENTETE_SYNTHESE - 1
        self._entetes(ws, entete, contrat.COLONNES_SYNTHESE, [22, 14, 20, 20, 14])
        types_siae = list(referentiel.TYPES_SIAE)
        for rang, code in enumerate([*types_siae, "Total"], start=entete + 1):
            ws.write_string(rang, 0, code)
        premiere, derniere = entete + 2, entete + 1 + len(types_siae)
        colonnes = {"montant_module": "D", "taux_moyen": "E"}
        for position, graphique in enumerate(reglages["graphiques"]):
            lettre = colonnes[graphique["colonne"]]
            dessin = self.livre.add_chart({"type": "column"})
            dessin.add_series(
                {
                    "name": graphique["titre"],
                    "categories": f"='{contrat.SYNTHESE}'!$A${premiere}:$A${derniere}",
                    "values": f"='{contrat.SYNTHESE}'!${lettre}${premiere}:${lettre}${derniere}",
                    "data_labels": {"value": True},
                }
            )
            dessin.set_title({"name": graphique["titre"]})
            dessin.set_legend({"none": True})
            if graphique["colonne"] == "taux_moyen":
                dessin.set_y_axis({"num_format": "0%"})
            ws.insert_chart(entete + 9 + 18 * position, 0, dessin, {"x_scale": 1.4})

    def simulation(self) -> None:
        """Le tableau des scénarios (listes de la notation, des groupes, de la répartition),
        prérempli de trois exemples ; les résultats s'écrivent dessous."""
        ws = self.feuilles[contrat.SIMULATION]
        reglages = self.disposition["simulation"]
        ws.write_string(0, 0, reglages["titre"], self.f["titre"])
        ws.merge_range(
            1, 0, 1, len(contrat.COLONNES_SCENARIOS) - 1, reglages["aide"], self.f["texte"]
        )
        ws.set_row(1, 48)
        entete = contrat.LIGNE_ENTETE_SCENARIOS - 1
        self._entetes(ws, entete, contrat.COLONNES_SCENARIOS, reglages["largeurs"])
        for rang in range(entete + 1, entete + 1 + contrat.SCENARIOS_MAX):
            for colonne in range(len(contrat.COLONNES_SCENARIOS)):
                ws.write_blank(rang, colonne, None, self.f["saisie"])
        for rang, exemple in enumerate(reglages["exemples"], start=entete + 1):
            for colonne, valeur in enumerate(exemple):
                if isinstance(valeur, int | float):
                    ws.write_number(rang, colonne, valeur, self.f["saisie"])
                elif valeur:
                    ws.write_string(rang, colonne, valeur, self.f["saisie"])
        derniere = entete + contrat.SCENARIOS_MAX
        for colonne, liste in ((2, "methodes"), (6, "groupes"), (8, "repartitions")):
            ws.data_validation(
                entete + 1,
                colonne,
                derniere,
                colonne,
                {"validate": "list", "source": self.plages[liste]},
            )
        ws.write_string(
            contrat.LIGNE_RESULTATS_SIMULATION - 1,
            0,
            "Aucune comparaison pour l'instant : cliquez sur « Comparer des méthodes » dans "
            "l'onglet « IAE Modulation ».",
        )
        ws.freeze_panes(contrat.LIGNE_ENTETE_SCENARIOS, 1)

    def journal(self) -> None:
        ws = self.feuilles[contrat.JOURNAL]
        self._entetes(ws, 0, contrat.COLONNES_JOURNAL, self.disposition["journal"]["largeurs"])
        ws.freeze_panes(1, 0)

    def configuration(self) -> None:
        """Réglages lus par le VBA d'xlwings ; l'interpréteur est ajouté par « installer » ou
        « rattacher »."""
        ws = self.feuilles[contrat.CONFIGURATION]
        for ligne, (cle, valeur) in enumerate(contrat.CONFIGURATION_GABARIT.items()):
            ws.write_string(ligne, 0, cle)
            ws.write_string(ligne, 1, valeur)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 70)

    def _entetes(self, ws, ligne: int, titres, largeurs) -> None:
        for position, (titre, largeur) in enumerate(zip(titres, largeurs, strict=True)):
            ws.write_string(ligne, position, titre, self.f["entete"])
            ws.set_column(position, position, largeur)


def _valeur_demo(colonne: donnees.Colonne, texte: str):
    if colonne.numerique and texte.strip():
        return lire_nombre(texte)
    return texte


def classeur(projet: bytes, disposition: dict, structures: Path = DEMO) -> bytes:
    """Le classeur XlsxWriter complet, projet VBA compris (sans le ruban), avec le fichier
    `structures` dans le tableau « Données SIAE »."""
    tampon = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
    with xlsxwriter.Workbook(tampon, options) as livre:
        livre.set_properties(
            {
                "title": "IAE Modulation — montant modulé de l'aide au poste",
                "subject": "Instruction DGEFP n° 2014-2 et note DGEFP n° 2014-04",
                "author": "iae-modulation",
                "company": "",
                "created": DATE_DOCUMENT,
            }
        )
        _Ecrivain(livre, disposition, structures).tout()
        livre.add_vba_project(io.BytesIO(projet), is_stream=True)
    return tampon.getvalue()


def construire(sortie: Path = GABARIT, sources: Path = SOURCES, structures: Path = DEMO) -> Path:
    """Écrit le gabarit (sous un nom temporaire, puis renommé) et rend son chemin ; `structures` :
    le tableau des SIAE (la démonstration, ou un jeu plus gros pour un banc d'essai)."""
    verifier_outils()
    ruban = sources / "customUI14.xml"
    if not ruban.is_file():
        raise ErreurConstruction(f"Ruban introuvable : {ruban} (construisez depuis le dépôt).")
    disposition = lire_disposition(sources)
    projet = projet_vba(list(contrat.FEUILLES), modules_vba(sources), corps_du_classeur(sources))
    parties = paquet.lire_parties(classeur(projet, disposition, structures))
    contenu = paquet.ecrire_archive(paquet.ajouter_ruban(parties, ruban.read_bytes()))
    sortie = Path(sortie)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    descripteur, temporaire = tempfile.mkstemp(prefix=f".{sortie.stem}-", dir=sortie.parent)
    with os.fdopen(descripteur, "wb") as fichier:
        fichier.write(contenu)
    os.replace(temporaire, sortie)
    return sortie
