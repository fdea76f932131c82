"""La table canonique des SIAE : colonnes attendues, lecture, validation et rapport d'anomalies.

Une ligne par structure (annexe financière) et par campagne (docs/conception.md, « Table canonique
»). Les données des trois indicateurs de la note DGEFP n° 2014-04, annexe 2 (publics, efforts
d'insertion, résultats en sortie) sont obligatoires à partir de la campagne 2015 ; la campagne 2014
applique un taux fixe de 5 % (même note, § 2) et n'en a pas besoin.

Toute ligne lue finit soit dans `DonneesSIAE.table` (ligne valide), soit dans le rapport
(docs/conception.md, « Conventions » : jamais de ligne perdue en silence).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from iae_modulation import mise_en_page, vraisemblance
from iae_modulation.erreurs import ErreurEntree
from iae_modulation.lecture import (
    CelluleEnErreur,
    NombreAmbigu,
    NombreHorsLimites,
    TableBrute,
    est_erreur_excel,
    feuilles_du_classeur,
    feuilles_masquees,
    lire_effectif,
    lire_montant,
    lire_nombre,
    lire_table,
    message_cellule_en_erreur,
    nom_d_origine,
)
from iae_modulation.parametres import ANNEE_INDICATEURS
from iae_modulation.referentiel import (
    TYPES_SIAE,
    cle_identifiant,
    departements,
    normaliser_departement,
    normaliser_region,
    sans_accents,
    sans_blancs,
)
from iae_modulation.table_canonique import (
    ENTETES_RAPPORT,
    Anomalie,
    DonneesSIAE,
    RapportValidation,
)
from iae_modulation.texte_xml import ClasseurXlsx

INDICATEURS = "indicateurs"  # colonne obligatoire à partir de la campagne ANNEE_INDICATEURS
CONTROLES_NON_BLOQUANTS = frozenset({"siret"}) | vraisemblance.NON_BLOQUANTS
SORTIES_DYNAMIQUES = ("sorties_emploi_durable", "sorties_emploi_transition", "sorties_positives")
TEXTE_TYPES = ", ".join(TYPES_SIAE)


@dataclass(frozen=True)
class Colonne:
    """Une colonne canonique.

    `nature` : « texte », « identifiant » (texte dont les zéros initiaux comptent), « nombre »
    (ETP), « effectif » (personnes ou sorties : nombre entier), « montant » (en euros, au
    centime) ou « oui/non ». `obligatoire` : « oui », « non », « socle »
    (montant_socle ou etp_conventionnes, l'un des deux) ou `INDICATEURS` (à partir de la campagne
    `ANNEE_INDICATEURS` des paramètres).
    """

    nom: str
    nature: str
    obligatoire: str
    libelle: str
    exemple: str

    @property
    def numerique(self) -> bool:
        return self.nature in ("nombre", "effectif", "montant")


# Publics particuliers parmi les salariés en insertion (bilan annuel de l'ASP, section 2) :
# facultatifs, ils ne servent pas à la méthode par défaut ; une méthode régionale peut en faire
# des critères. Chacun est compté parmi `nb_salaries_insertion`.
COLONNES_PUBLICS: tuple[Colonne, ...] = (
    Colonne("nb_residents_qpv", "effectif", "non", "Dont résidents d'un QPV", "4"),
    Colonne("nb_residents_zrr", "effectif", "non", "Dont résidents d'une ZRR (ou FRR)", "2"),
    Colonne("nb_50_ans_et_plus", "effectif", "non", "Dont personnes de 50 ans et plus", "5"),
    Colonne(
        "nb_deld", "effectif", "non", "Dont demandeurs d'emploi inscrits depuis 12 à 23 mois", "6"
    ),
    Colonne(
        "nb_detld",
        "effectif",
        "non",
        "Dont demandeurs d'emploi inscrits depuis 24 mois et plus",
        "7",
    ),
    Colonne("nb_rqth", "effectif", "non", "Dont travailleurs handicapés reconnus (RQTH)", "2"),
    Colonne("nb_femmes", "effectif", "non", "Dont femmes", "9"),
    Colonne("nb_moins_26_ans", "effectif", "non", "Dont jeunes de moins de 26 ans", "3"),
)
NOMS_PUBLICS: tuple[str, ...] = tuple(c.nom for c in COLONNES_PUBLICS)
COLONNES: tuple[Colonne, ...] = (
    Colonne("identifiant", "identifiant", "oui", "N° d'annexe financière", "ACI051230010"),
    Colonne("siret", "identifiant", "non", "SIRET", "46270107900016"),
    Colonne("raison_sociale", "texte", "non", "Raison sociale", "Les Jardins de la Vesle"),
    Colonne("adresse", "texte", "non", "Adresse", "14 chemin des Maraîchers"),
    Colonne("code_postal", "identifiant", "non", "Code postal", "51100"),
    Colonne("commune", "texte", "non", "Commune", "Reims"),
    Colonne("type", "texte", "oui", "Type de SIAE", "ACI"),
    Colonne("departement", "identifiant", "oui", "Département", "51"),
    Colonne("region", "texte", "non", "Région", "Grand Est"),
    Colonne("etp_conventionnes", "nombre", "socle", "ETP conventionnés", "9,01"),
    Colonne("etp_realises", "nombre", "non", "ETP réalisés", "8,58"),
    Colonne("montant_socle", "montant", "socle", "Montant socle de l'aide au poste", "215 528,21"),
    Colonne(
        "dont_cofinancement_cd",
        "montant",
        "non",
        "Dont cofinancement du conseil départemental",
        "39 256,86",
    ),
    Colonne("nb_salaries_insertion", "effectif", INDICATEURS, "Salariés en insertion", "22"),
    Colonne(
        "nb_beneficiaires_minima",
        "effectif",
        INDICATEURS,
        "Dont bénéficiaires de minima sociaux (RSA, ASS, AAH)",
        "10",
    ),
    Colonne("etp_encadrement", "nombre", INDICATEURS, "ETP d'encadrement", "3,46"),
    Colonne("etp_insertion", "nombre", INDICATEURS, "ETP en insertion", "8,58"),
    Colonne("sorties_totales", "effectif", INDICATEURS, "Sorties totales", "10"),
    Colonne(
        "sorties_emploi_durable", "effectif", INDICATEURS, "Sorties vers l'emploi durable", "3"
    ),
    Colonne(
        "sorties_emploi_transition",
        "effectif",
        INDICATEURS,
        "Sorties vers l'emploi de transition",
        "2",
    ),
    Colonne("sorties_positives", "effectif", INDICATEURS, "Sorties positives", "2"),
    Colonne("milieu_penitentiaire", "oui/non", "non", "Milieu pénitentiaire", "non"),
    *COLONNES_PUBLICS,
)
NOMS_COLONNES: tuple[str, ...] = tuple(c.nom for c in COLONNES)
# Les nombres de personnes et de sorties : entiers.
EFFECTIFS: tuple[str, ...] = tuple(c.nom for c in COLONNES if c.nature == "effectif")
LECTEURS = {"nombre": lire_nombre, "effectif": lire_effectif, "montant": lire_montant}
_PAR_NOM = {c.nom: c for c in COLONNES}
_OUI = frozenset({"oui", "vrai", "1", "true", "o"})
_NON = frozenset({"non", "faux", "0", "false", "n", ""})


def ecrire_anomalies_xlsx(rapport: RapportValidation, chemin: Path, annee: int | str = "") -> Path:
    """Classeur « Anomalies » : en-tête figé, filtres, largeurs, prêt à imprimer ; texte
    jamais pris pour une formule (une valeur « =1+1 » reste un texte)."""
    with ClasseurXlsx(str(chemin)) as classeur:
        feuille = classeur.add_worksheet("Anomalies")
        gras = classeur.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        retour = classeur.add_format({"text_wrap": True, "valign": "top"})
        haut = classeur.add_format({"valign": "top"})
        feuille.write_row(0, 0, ENTETES_RAPPORT, gras)
        colonnes = [
            mise_en_page.Colonne(
                entete, ["" if pd.isna(v) else str(v) for v in valeurs], maximum=maximum
            )
            for entete, valeurs, maximum in zip(
                ENTETES_RAPPORT,
                zip(*rapport.vers_frame().itertuples(index=False), strict=True)
                if rapport.anomalies
                else [()] * len(ENTETES_RAPPORT),
                (30, 18, 8, 26, 24, 70, 10),
                strict=True,
            )
        ]
        formats = {j: retour if e == "Problème" else haut for j, e in enumerate(ENTETES_RAPPORT)}
        largeurs = mise_en_page.poser_colonnes(feuille, colonnes, 0, formats)
        mise_en_page.imprimer(
            feuille,
            largeurs,
            titre="Anomalies des données",
            campagne=annee,
            lignes_repetees=(0, 0),
        )
        for rang, a in enumerate(rapport.anomalies, start=1):
            textes = (a.fichier, a.feuille, None, a.colonne, a.valeur, a.message)
            for position, texte in enumerate(textes):
                if texte:  # write_string : jamais interprété comme formule ou nombre
                    feuille.write_string(rang, position, texte)
            if a.ligne is not None:
                feuille.write_number(rang, 2, a.ligne)
            feuille.write_string(rang, 6, "oui" if a.bloquante else "non")
        feuille.freeze_panes(1, 0)
        feuille.autofilter(0, 0, len(rapport.anomalies), len(ENTETES_RAPPORT) - 1)
    return Path(chemin)


def lire_donnees(chemin: Path, annee: int, feuille: str | None = None) -> DonneesSIAE:
    """Lit (`lecture.lire_table`) puis valide (`valider`) un fichier de données SIAE.

    Sans `feuille`, un classeur est lu dans sa première feuille visible ; si elle ne porte pas les
    colonnes des données (une notice placée en premier), la feuille « Données SIAE » du
    classeur de l'outil est lue, et toute autre feuille qui les porte est nommée dans le refus.
    """
    brute = lire_table(chemin, feuille)
    if feuille is None and brute.feuille is not None and position_entete(brute) is None:
        brute = _feuille_des_donnees(Path(chemin), brute)
    return valider(brute, annee)


LIGNES_DE_TITRE = 30  # lignes examinées sous la première pour y trouver l'en-tête
SOUS_LA_PREMIERE = -1  # `position_entete` : l'en-tête est la première ligne non vide


def _reconnues(valeurs) -> set[str]:
    """Les colonnes canoniques que nomment ces en-têtes (ou ces cellules)."""
    noms = {_NOM_PAR_CLE.get(cle_en_tete(nom_d_origine(str(v)))) for v in valeurs}
    return {nom for nom in noms if nom is not None}


def position_entete(brute: TableBrute) -> int | None:
    """Où sont les noms de colonnes : `SOUS_LA_PREMIERE` (-1) s'ils sont sur la première ligne
    non vide, la position d'une ligne de données plus bas (lignes de titre au-dessus), ou None
    si aucune des premières lignes ne nomme l'identifiant et deux autres colonnes."""
    if "identifiant" in _reconnues(brute.table.columns):
        return SOUS_LA_PREMIERE
    premieres = brute.table.head(LIGNES_DE_TITRE).itertuples(index=False, name=None)
    for position, rangee in enumerate(premieres):
        reconnues = _reconnues(rangee)
        if "identifiant" in reconnues and len(reconnues) >= 3:
            return position
    return None


def _feuille_des_donnees(chemin: Path, premiere: TableBrute) -> TableBrute:
    """La feuille qui porte les colonnes des données, quand la première ne les porte pas."""
    from iae_modulation.excel.classeur import DONNEES

    candidates = []
    for nom in feuilles_du_classeur(chemin)[1:]:
        try:
            brute = lire_table(chemin, nom)
        except ErreurEntree:
            continue
        if position_entete(brute) is not None:
            if nom == DONNEES:  # le classeur de l'outil : sa feuille des données
                return brute
            candidates.append(nom)
    if not candidates:
        return premiere  # `valider` dit ce qui manque
    masquees = feuilles_masquees(chemin)
    noms = " ou ".join(
        f"« {nom} »" + (" (masquée)" if nom in masquees else "") for nom in candidates
    )
    afficher = (
        "Affichez-la (clic droit sur un onglet › Afficher…), puis p"
        if masquees.intersection(candidates)
        else "P"
    )
    raise ErreurEntree(
        f"{chemin.name} : la première feuille, « {premiere.feuille} », n'a pas les colonnes "
        f"des données (identifiant, type, departement…), et c'est elle qui est lue ; la feuille "
        f"{noms} les a. {afficher}lacez la feuille des données en premier (clic droit sur son "
        "onglet › Déplacer ou copier… › « (en premier) »), ou supprimez la feuille "
        f"« {premiere.feuille} », puis enregistrez et relancez."
    )


def colonnes_obligatoires(annee: int) -> list[str]:
    """Colonnes sans lesquelles aucune ligne n'est utilisable pour la campagne `annee`."""
    return [
        c.nom
        for c in COLONNES
        if c.obligatoire == "oui" or (c.obligatoire == INDICATEURS and annee >= ANNEE_INDICATEURS)
    ]


def cle_en_tete(texte: str) -> str:
    """En-tête comparé sans casse, sans accents, espaces, tirets et apostrophes unifiés."""
    simple = sans_accents(str(texte)).strip().casefold()
    return re.sub(r"[\s_\-'’]+", "_", simple).strip("_")


_NOM_PAR_CLE = {cle_en_tete(c.nom): c.nom for c in COLONNES} | {
    cle_en_tete(c.libelle): c.nom for c in COLONNES
}
# l'intitulé d'avant 2016 (« RSA socle », note DGEFP 2014-04) reste reconnu
_NOM_PAR_CLE[cle_en_tete("Dont bénéficiaires de minima sociaux (RSA socle, ASS, AAH)")] = (
    "nb_beneficiaires_minima"
)


def _colonne_contenue(en_tete: str) -> str | None:
    """La colonne canonique dont le nom (ou l'intitulé) est contenu dans cet en-tête non
    reconnu, la plus longue s'il y en a plusieurs ; None sinon."""
    cle = cle_en_tete(nom_d_origine(en_tete))
    contenues = [(len(c), nom) for c, nom in _NOM_PAR_CLE.items() if len(c) > 4 and c in cle]
    return max(contenues)[1] if contenues else None


def valider(brute: TableBrute, annee: int) -> DonneesSIAE:
    """Contrôle une table lue et la convertit en colonnes canoniques typées.

    Tous les problèmes sont relevés d'un coup : colonnes absentes ou en double, valeurs
    illisibles, types et départements inconnus, nombres négatifs, incohérences entre colonnes,
    identifiants en double. Les contrôles ligne à ligne sont déclarés dans `_controles`.
    """
    return _Validation(brute, annee).executer()


class _Validation:
    """Une validation : la table brute, la correspondance des colonnes, les anomalies trouvées."""

    def __init__(self, brute: TableBrute, annee: int) -> None:
        self.brute = brute
        self.annee = annee
        self.rapport = RapportValidation()
        self.rejetees: set[int] = set()
        self.colonne_du_fichier: dict[str, str] = {}
        self.inconnues: list[str] = []
        self.cellules: dict[str, list[str]] = {}  # texte lu, par colonne canonique
        self.homonymes: dict[str, list[int]] | None = None  # positions par identifiant
        self.identifiants: list[str] = []  # identifiants normalisés (majuscules, sans espaces)
        self.longues: dict[int, int] = {}  # CSV : lignes aux valeurs décalées
        self.courtes: dict[int, int] = {}

    def executer(self) -> DonneesSIAE:
        self._chercher_entete()
        self.longues, self.courtes = self.brute.lignes_decalees()
        self._reconnaitre_colonnes()
        if len(self.brute.table.columns) == 0:
            self._signaler(None, None, "", "le fichier est vide (ni en-tête ni données).")
        elif self.brute.table.empty:
            self._signaler(None, None, "", "le fichier ne contient aucune ligne de données.")
        typee = self._convertir()
        self._signaler_lignes_masquees()
        self._controler(typee, _controles(frozenset(self.colonne_du_fichier)))
        self._signaler_lignes_decalees()
        self._corriger_regions(typee)
        ordre = {en_tete: rang for rang, en_tete in enumerate(self.brute.table.columns)}
        self.rapport.anomalies.sort(key=lambda a: (a.ligne or 0, ordre.get(a.colonne, -1)))
        fichier_bloque = any(a.bloquante and a.ligne is None for a in self.rapport.anomalies)
        gardees = [] if fichier_bloque else [p for p in range(len(typee)) if p not in self.rejetees]
        table = typee.iloc[gardees].reset_index(drop=True)
        for colonne in COLONNES:
            if not colonne.numerique:
                table[colonne.nom] = table[colonne.nom].astype(
                    bool if colonne.nature == "oui/non" else str
                )
        table["ligne_source"] = pd.array([self.brute.lignes[p] for p in gardees], dtype="int64")
        autres = self.brute.table[self.inconnues].iloc[gardees].reset_index(drop=True)
        rejetees = sorted(set(self.brute.lignes) - set(table["ligne_source"]))
        return DonneesSIAE(
            table=table,
            rapport=self.rapport,
            fichier=self.brute.fichier,
            feuille=self.brute.feuille,
            lignes_rejetees=rejetees,
            autres_colonnes=autres,
        )

    def _signaler(
        self,
        position: int | None,
        colonne: str | None,
        valeur: str,
        message: str,
        bloquante: bool = True,
    ) -> None:
        """Ajoute une anomalie ; `position` : rang dans la table ; `colonne` : nom canonique."""
        if bloquante and position is not None:
            self.rejetees.add(position)
        self.rapport.ajouter(
            Anomalie(
                fichier=self.brute.fichier.name,
                feuille=self.brute.feuille,
                ligne=None if position is None else self.brute.lignes[position],
                colonne=self.colonne_du_fichier.get(colonne, colonne) if colonne else None,
                valeur=valeur,
                message=message,
                bloquante=bloquante,
            )
        )

    def _chercher_entete(self) -> None:
        """Des lignes de titre au-dessus des noms de colonnes : l'en-tête est pris plus bas,
        et les lignes au-dessus sont citées (aucune n'est une donnée)."""
        position = position_entete(self.brute)
        if position is None or position == SOUS_LA_PREMIERE:
            return
        titre = next((str(c).strip() for c in self.brute.table.columns if str(c).strip()), "")
        dessus = [self.brute.ligne_entete, *self.brute.lignes[:position]]
        self.brute = self.brute.entete_en(position)
        lignes = ", ".join(str(n) for n in dessus if n is not None)
        self._signaler(
            None,
            None,
            titre,
            f"les noms de colonnes sont en ligne {self.brute.ligne_entete} : la ou les lignes "
            f"au-dessus ({lignes}, « {nom_d_origine(titre)[:60]} ») ne sont pas des données et ne "
            "sont pas lues. Pour ne plus voir ce message, faites de la ligne des noms de colonnes "
            "la première ligne remplie.",
            False,
        )

    def _signaler_inconnue(self, en_tete: str) -> None:
        """Une colonne non reconnue est ignorée (remarque) ; si son en-tête contient le nom
        d'une colonne absente du fichier (« montant_socle (€) », « milieu pénitentiaire 2026 »)
        dont dépend le montant, la ligne d'en-tête est refusée : sinon ses valeurs seraient
        ignorées en silence, et le montant socle, par exemple, recalculé avec les ETP."""
        proche = _colonne_contenue(en_tete)
        if proche is None or proche in self.colonne_du_fichier:
            self._signaler(
                None, en_tete, "", "colonne non reconnue : ignorée pour le calcul.", False
            )
            return
        colonne = _PAR_NOM[proche]
        compte = colonne.numerique or colonne.nature == "oui/non"
        absente = (
            f"alors que la colonne « {proche} » ({colonne.libelle}) manque. Si c'est elle, "
            f"nommez-la « {proche} »"
        )
        self._signaler(
            None,
            en_tete,
            "",
            f"colonne non reconnue, refusée {absente} : ses valeurs ne seraient pas lues, et le "
            f"montant en dépend. Sinon, donnez-lui un nom qui ne contient pas « {proche} »."
            if compte
            else f"colonne non reconnue, ignorée {absente}.",
            compte,
        )

    def _signaler_lignes_decalees(self) -> None:
        """CSV : une ligne plus longue que l'en-tête a ses valeurs décalées (refusée) ; une
        ligne plus courte l'est peut-être (un séparateur manque) : dit sur les lignes déjà
        refusées, les autres étant celles qu'Excel écrit sans leurs derniers séparateurs."""
        separateur = {"\t": "tabulation"}.get(self.brute.separateur, self.brute.separateur)
        largeur = self.brute.largeur_entete
        if self.longues and self.brute.separateur == ",":
            self._signaler(
                None,
                None,
                "",
                "le fichier est séparé par des virgules et des nombres y sont écrits avec une "
                "virgule décimale : « 8,58 » y devient deux cellules, « 8 » et « 58 », et les "
                f"valeurs suivantes sont décalées ({len(self.longues)} ligne(s)). Dans Excel, "
                "enregistrez-le au format « CSV (séparateur : point-virgule) » (ou en classeur "
                ".xlsx), puis relancez.",
            )
        # les valeurs d'une ligne décalée ne sont pas les siennes : rien d'autre n'en est dit
        self.rapport.anomalies = [a for a in self.rapport.anomalies if a.ligne not in self.longues]
        position_de = {ligne: position for position, ligne in enumerate(self.brute.lignes)}
        for ligne, remplies in self.longues.items():
            self._signaler(
                position_de[ligne],
                None,
                "",
                f"{remplies} cellules remplies pour {largeur} colonnes d'en-tête : les valeurs "
                f"de la ligne sont décalées (une valeur contient le séparateur « {separateur} »"
                + (", sans doute une virgule décimale)." if separateur == "," else ").")
                + " Rien n'est lu de cette ligne.",
            )
        for ligne, cellules in self.courtes.items():
            if position_de[ligne] in self.rejetees:
                self._signaler(
                    position_de[ligne],
                    None,
                    "",
                    f"la ligne n'a que {cellules} cellules pour {largeur} colonnes d'en-tête : "
                    f"un séparateur « {separateur} » manque peut-être, et les valeurs qui le "
                    "suivent sont alors décalées ; vérifiez la ligne dans un éditeur de texte.",
                )

    def _signaler_lignes_masquees(self) -> None:
        """Une ligne masquée dans Excel est lue comme les autres : l'agent en est averti."""
        masquees = set(self.brute.lignes_masquees)
        for position, ligne in enumerate(self.brute.lignes):
            if ligne in masquees:
                self._signaler(
                    position,
                    None,
                    "",
                    "ligne masquée dans Excel : elle est prise en compte comme les autres "
                    "(affichez-la pour la vérifier, ou supprimez-la si elle ne doit pas compter).",
                    False,
                )

    def _brut(self, position: int, colonne: str) -> str:
        """La cellule telle qu'écrite dans le fichier (pour la citer dans un message)."""
        return self.cellules[colonne][position].strip()

    def _reconnaitre_colonnes(self) -> None:
        vues: dict[str, list[str]] = {}
        for en_tete in self.brute.table.columns:
            nom = _NOM_PAR_CLE.get(cle_en_tete(nom_d_origine(en_tete)))
            if nom is None:
                self.inconnues.append(en_tete)
            else:
                vues.setdefault(nom, []).append(en_tete)
        self.colonne_du_fichier = {nom: en_tetes[0] for nom, en_tetes in vues.items()}
        if not vues and len(self.brute.table.columns):
            self._aucune_colonne_reconnue()
            return
        for nom, en_tetes in vues.items():
            if len(en_tetes) > 1:
                noms = " et ".join(f"« {nom_d_origine(e)} »" for e in en_tetes)
                self._signaler(None, nom, "", f"colonne présente plusieurs fois ({noms}).")
        for en_tete in self.inconnues:
            if self.longues and _SANS_ENTETE.fullmatch(en_tete):
                continue  # cellules de lignes décalées, signalées ligne par ligne
            self._signaler_inconnue(en_tete)
        if len(self.brute.table.columns) == 0:
            return  # fichier vide : une seule anomalie, signalée par `executer`
        for nom in colonnes_obligatoires(self.annee):
            if nom not in self.colonne_du_fichier:
                depuis = (
                    f", obligatoire à partir de la campagne {ANNEE_INDICATEURS}"
                    if _PAR_NOM[nom].obligatoire == INDICATEURS
                    else ""
                )
                self._signaler(
                    None,
                    nom,
                    "",
                    f"colonne obligatoire absente ({_PAR_NOM[nom].libelle}{depuis}).",
                )
        if not {"montant_socle", "etp_conventionnes"} & set(self.colonne_du_fichier):
            self._signaler(
                None,
                "montant_socle",
                "",
                "colonne absente : il faut « montant_socle » ou « etp_conventionnes » "
                "(montant socle de l'aide au poste, ou ETP conventionnés).",
            )

    def _aucune_colonne_reconnue(self) -> None:
        """Un seul message, au lieu d'une colonne absente par colonne attendue."""
        ligne = self.brute.ligne_entete
        noms = [nom_d_origine(c) for c in self.brute.table.columns][:6]
        feuille = (
            f" La feuille lue est « {self.brute.feuille} » : est-ce celle des données ?"
            if self.brute.feuille
            else ""
        )
        self._signaler(
            None,
            None,
            "",
            "aucun nom de colonne reconnu"
            + (f" en ligne {ligne}" if ligne else "")
            + f" ({', '.join(f'« {n} »' for n in noms)}…) : la première ligne remplie doit porter "
            "les noms des colonnes (identifiant, type, departement, montant_socle…, voir "
            f"docs/donnees.md).{feuille}",
        )

    def _convertir(self) -> pd.DataFrame:
        """Colonnes canoniques typées ; une valeur illisible devient None et une anomalie.

        Travaille sur des listes Python : les accesseurs `.str` de pandas sont ici bien plus lents.
        """
        taille = len(self.brute.table)
        colonnes: dict[str, list] = {}
        for colonne in COLONNES:
            en_tete = self.colonne_du_fichier.get(colonne.nom)
            brut = [""] * taille if en_tete is None else self.brute.table[en_tete].tolist()
            self.cellules[colonne.nom] = brut
            if colonne.numerique:  # espaces retirés une fois par valeur distincte
                colonnes[colonne.nom] = self._nombres(colonne.nom, brut)
                continue
            brut = self.cellules[colonne.nom] = [v.strip() for v in brut]
            if en_tete is not None:
                self._erreurs_excel(colonne.nom, brut)
            if colonne.nature == "oui/non":
                colonnes[colonne.nom] = self._booleens(colonne.nom, brut)
            elif colonne.nom == "type":
                colonnes[colonne.nom] = [v.upper() for v in brut]
            elif colonne.nom == "departement":
                codes = {v: normaliser_departement(v) or v for v in set(brut)}
                colonnes[colonne.nom] = [codes[v] for v in brut]
            elif colonne.nom in ("identifiant", "siret"):
                # normalisés une fois, ici : sans espaces ni caractères invisibles, n° d'annexe
                # en majuscules (« aci 051230010 » et « ACI051230010 » sont la même annexe)
                normaliser = cle_identifiant if colonne.nom == "identifiant" else sans_blancs
                cles = {v: normaliser(v) for v in set(brut)}
                colonnes[colonne.nom] = [cles[v] for v in brut]
                if colonne.nom == "identifiant":
                    self.identifiants = colonnes[colonne.nom]
            else:
                colonnes[colonne.nom] = brut
        for en_tete in self.inconnues:
            self._erreurs_excel(en_tete, [v.strip() for v in self.brute.table[en_tete]], False)
        return pd.DataFrame(colonnes, dtype=object)

    def _nombres(self, nom: str, brut: list[str]) -> list[Decimal | None]:
        """Chaque valeur distincte lue une fois, selon la nature de la colonne (`LECTEURS`)."""
        lire = LECTEURS[_PAR_NOM[nom].nature]
        valeurs: dict[str, Decimal | None] = {}
        illisibles: dict[str, str] = {}  # texte -> message
        for texte in set(brut):
            propre = texte.strip()
            valeurs[texte] = None
            if not propre:
                continue
            try:
                valeurs[texte] = lire(propre)
            except NombreHorsLimites as erreur:
                illisibles[texte] = f"{erreur} : faute de frappe probable."
            except (CelluleEnErreur, NombreAmbigu) as erreur:
                illisibles[texte] = str(erreur)
            except ValueError:
                exemple = _PAR_NOM[nom].exemple
                illisibles[texte] = (
                    f"« {propre} » n'est pas un nombre (exemple attendu : {exemple})."
                )
        if illisibles:
            for position, texte in enumerate(brut):
                if texte in illisibles:
                    self._signaler(position, nom, texte.strip(), illisibles[texte])
        return [valeurs[t] for t in brut]

    def _erreurs_excel(self, nom: str, brut: list[str], bloquante: bool = True) -> None:
        """Une valeur d'erreur d'Excel (« #N/A ») dans une colonne de texte n'est pas un texte :
        refusée (ou signalée, dans une colonne ignorée pour le calcul)."""
        tout = "".join(brut)  # d'un coup : le plus souvent, ni « # » ni « Err: » dans la colonne
        if "#" not in tout and "Err:" not in tout:
            return
        en_erreur = {v for v in set(brut) if v.startswith(("#", "Err:")) and est_erreur_excel(v)}
        for position, texte in enumerate(brut):
            if texte in en_erreur:
                message = message_cellule_en_erreur(texte)
                if not bloquante:
                    message = (
                        "colonne ignorée pour le calcul, mais " + message[0].lower() + message[1:]
                    )
                self._signaler(position, nom, texte, message, bloquante)

    def _booleens(self, nom: str, brut: list[str]) -> list[bool]:
        cles = [v.casefold() for v in brut]
        for position, cle in enumerate(cles):
            if cle not in _OUI and cle not in _NON:
                valeur = brut[position]
                self._signaler(position, nom, valeur, f"« {valeur} » : « oui » ou « non » attendu.")
        return [cle in _OUI for cle in cles]

    def _controler(
        self, typee: pd.DataFrame, controles: tuple[vraisemblance.Controle, ...]
    ) -> None:
        """Passe tous les contrôles sur toutes les lignes et traduit chaque échec en anomalie."""
        for cle, passe in controles:
            for position, ok in enumerate(passe(typee)):
                if not ok:
                    self._traduire(cle, position)

    def _traduire(self, cle: str, position: int) -> None:
        """Message français d'un contrôle (`cle` = nom du contrôle, voir `_controles`)."""
        controle, _, nom = cle.partition(":")
        bloquant = controle not in CONTROLES_NON_BLOQUANTS
        valeur = self._brut(position, nom)
        message = vraisemblance.message(controle, valeur, lambda c: self._brut(position, c))
        if message is None:
            message = self._message(controle, nom, valeur, position)
        if message is not None:
            self._signaler(position, nom, valeur, message, bloquant)

    def _message(self, controle: str, nom: str, valeur: str, position: int) -> str | None:
        """Message des contrôles de forme et de cohérence ; None : rien à ajouter."""
        if controle == "renseigne":
            message = f"valeur obligatoire manquante ({_PAR_NOM[nom].libelle})."
        elif controle == "lisible":
            message = (
                f"identifiant « {valeur} » sans lettre ni chiffre : un n° d'annexe financière "
                "s'écrit comme ACI054180019 (il nomme aussi la lettre de notification)."
            )
        elif controle == "type_connu":
            message = f"« {valeur} » n'est pas un type de SIAE ({TEXTE_TYPES})."
        elif controle == "departement_connu":
            message = f"« {valeur} » n'est pas un code de département (01 à 95, 2A, 2B, 971 à 976)."
        elif controle == "positif":
            message = f"« {valeur} » est négatif : un nombre positif ou nul est attendu."
        elif controle == "unique":
            if self.homonymes is None:
                self.homonymes = {}
                for rang, identifiant in enumerate(self.identifiants):
                    self.homonymes.setdefault(identifiant, []).append(rang)
            memes = self.homonymes[self.identifiants[position]]
            autres = [self.brute.lignes[p] for p in memes if p != position]
            ecritures = {self._brut(p, "identifiant") for p in memes}
            precision = (
                f" (« {self.identifiants[position]} » : majuscules et espaces ne comptent pas, "
                "ni les caractères invisibles)"
                if len(ecritures) > 1
                else ""
            )
            message = (
                f"identifiant « {valeur} » en double{precision} : aussi ligne "
                f"{', '.join(map(str, autres))}."
            )
        elif controle == "minima":
            message = (
                f"{valeur} bénéficiaires de minima sociaux pour "
                f"{self._brut(position, 'nb_salaries_insertion')} salariés en insertion : "
                "les bénéficiaires sont comptés parmi les salariés, ils ne peuvent pas être plus "
                "nombreux."
            )
        elif controle == "sorties":
            parties = " + ".join(self._brut(position, c) or "0" for c in SORTIES_DYNAMIQUES)
            message = (
                f"sorties dans l'emploi durable, de transition et positives ({parties}) "
                f"plus nombreuses que les sorties totales ({valeur})."
            )
        elif controle == "socle_ou_etp":
            if any(
                self._brut(position, c) for c in ("montant_socle", "etp_conventionnes")
            ):  # déjà signalé comme « n'est pas un nombre »
                return None
            message = (
                "ni montant socle ni ETP conventionnés : l'un des deux est nécessaire pour "
                "calculer le montant modulé."
            )
        else:  # siret
            chiffres = len(re.sub(r"\s", "", valeur))
            indice = " (zéro initial perdu, p. ex. par Excel ?)" if chiffres == 13 else ""
            message = f"SIRET « {valeur} » : 14 chiffres attendus{indice}."
        return message

    def _corriger_regions(self, typee: pd.DataFrame) -> None:
        """Région déduite du département ; une région fournie différente est corrigée (signalé)."""
        codes = departements()
        deps, fournies = typee["departement"].tolist(), typee["region"].tolist()
        noms = {v: normaliser_region(v) for v in set(fournies) if v}
        retenues = []
        for position, (code, fournie) in enumerate(zip(deps, fournies, strict=True)):
            attendue = codes[code].region if code in codes else ""
            if fournie and attendue and noms[fournie] != attendue:
                self._signaler(
                    position,
                    "region",
                    fournie,
                    f"la région « {fournie} » ne correspond pas au département {code} : "
                    f"« {attendue} » retenue.",
                    False,
                )
            retenues.append(attendue or noms.get(fournie) or fournie)
        typee["region"] = pd.Series(retenues, dtype=object)


# Un contrôle déclaratif (`vraisemblance.Controle`) : son nom « controle:colonne » (qui choisit
# le message, voir `_Validation._traduire`) et la fonction qui dit, ligne par ligne, si la table
# typée le passe.


@cache
def _controles(presentes: frozenset[str]) -> tuple[vraisemblance.Controle, ...]:
    """Les contrôles de la table typée, colonne par colonne puis entre colonnes ; une cellule
    vide (texte « ») ou absente (None) n'est contrôlée que par « renseigne »."""

    def colonne(nom: str, valide: Callable[[Any], bool]) -> Callable[[pd.DataFrame], list[bool]]:
        return lambda table: [valide(v) for v in table[nom].tolist()]

    def renseigne(nom: str) -> list[vraisemblance.Controle]:
        return [(f"renseigne:{nom}", colonne(nom, lambda v: v != ""))] if nom in presentes else []

    def unique(table: pd.DataFrame) -> list[bool]:
        valeurs = table["identifiant"].tolist()
        comptes = Counter(valeurs)
        return [v == "" or comptes[v] == 1 for v in valeurs]

    types, codes = frozenset(TYPES_SIAE), frozenset(departements())
    controles: list[vraisemblance.Controle] = [
        *renseigne("identifiant"),
        ("unique:identifiant", unique),
        (
            "lisible:identifiant",
            colonne("identifiant", lambda v: v == "" or _LISIBLE.search(v) is not None),
        ),
        *renseigne("type"),
        ("type_connu:type", colonne("type", lambda v: v == "" or v in types)),
        ("siret:siret", colonne("siret", lambda v: v == "" or _SIRET.fullmatch(v) is not None)),
        *renseigne("departement"),
        ("departement_connu:departement", colonne("departement", lambda v: v == "" or v in codes)),
    ]
    controles += [
        (f"positif:{c.nom}", colonne(c.nom, lambda v: v is None or v >= 0))
        for c in COLONNES
        if c.numerique
    ]
    controles += [
        ("minima:nb_beneficiaires_minima", _minima_inferieurs),
        ("sorties:sorties_totales", _sorties_inferieures),
        *vraisemblance.controles(lambda v: _SIRET.fullmatch(v) is not None, NOMS_PUBLICS),
    ]
    if presentes & {"montant_socle", "etp_conventionnes"}:  # sinon signalé pour tout le fichier
        controles.append(
            (
                "socle_ou_etp:montant_socle",
                lambda t: [
                    s is not None or e is not None
                    for s, e in zip(t["montant_socle"], t["etp_conventionnes"], strict=True)
                ],
            )
        )
    return tuple(controles)


_SIRET = re.compile(r"\d{14}")
_SANS_ENTETE = re.compile(r"\(colonne \d+\)")
_LISIBLE = re.compile(r"[A-Za-z0-9]")


def _minima_inferieurs(table: pd.DataFrame) -> list[bool]:
    """nb_beneficiaires_minima <= nb_salaries_insertion (note 2014-04, annexe 2, « publics »)."""
    return [
        not (_positif(m) and _positif(s)) or m <= s
        for m, s in zip(
            table["nb_beneficiaires_minima"].tolist(),
            table["nb_salaries_insertion"].tolist(),
            strict=True,
        )
    ]


def _sorties_inferieures(table: pd.DataFrame) -> list[bool]:
    """Sorties dynamiques (durable + transition + positives) <= sorties totales (annexe 2,
    critère « résultats »). Une valeur vide compte pour 0 ; une négative est déjà signalée."""
    resultats = []
    for totales, *parties in zip(
        *(table[c].tolist() for c in ("sorties_totales", *SORTIES_DYNAMIQUES)), strict=True
    ):
        presentes = [p for p in parties if p is not None]
        comparable = _positif(totales) and all(p >= 0 for p in presentes)
        resultats.append(not comparable or sum(presentes, Decimal(0)) <= totales)
    return resultats


def _positif(valeur: Decimal | None) -> bool:
    return valeur is not None and valeur >= 0
