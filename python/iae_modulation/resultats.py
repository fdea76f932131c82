"""Le grand livre d'une campagne, `resultats.csv` : colonnes, écriture, relecture vérifiée.

Une ligne par structure, du montant socle au montant net à verser : les lettres, les tableaux et
décisions de l'annexe 5, `resultats.xlsx` et le classeur lisent leurs montants ici et nulle part
ailleurs (docs/donnees.md, « Le grand livre »). UTF-8 avec BOM (Excel l'ouvre sans assistant),
séparateur `;`, virgule décimale ; taux et indicateurs en fraction (0,0734 = 7,34 %), montants à
deux décimales.

Relu par `annexe5` et `notifications`, le fichier est vérifié comme le calcul vérifie les données :
nombres finis et bornés, taux de 0 à 10 %, montants positifs, chaque montant recalculé depuis les
colonnes qui le précèdent, empreinte SHA-256 égale à celle du manifeste du calcul. Tous les
problèmes sont donnés d'un coup, avec la ligne, la colonne et la valeur.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path, PureWindowsPath

import pandas as pd

from iae_modulation import parametres
from iae_modulation.donnees import Anomalie, RapportValidation
from iae_modulation.encodages import decoder_octets
from iae_modulation.formats import nombre_fr, taux_fr
from iae_modulation.limites import MONTANT_MAX
from iae_modulation.montants import montant_module, montant_reduit, taux_effectif
from iae_modulation.referentiel import TYPES_SIAE, normaliser_departement
from iae_modulation.regularisation import Versement2014, regulariser
from iae_modulation.sorties import ErreurEntree, sha256, texte_sans_formule, verifier_fichier_entree

NOM_RESULTATS = "resultats.csv"

# Motif du taux (colonne `motif_taux`) : ce que la lettre explique à la structure.
MOTIF_CLASSEMENT = "classement"
MOTIF_SEULE = "seule dans son groupe"
MOTIF_NON_CALCULABLE = "non calculable"
MOTIF_FORFAIT_2014 = "forfait 2014"
MOTIF_PENITENTIAIRE = "milieu pénitentiaire"
MOTIFS = (
    MOTIF_CLASSEMENT,
    MOTIF_SEULE,
    MOTIF_NON_CALCULABLE,
    MOTIF_FORFAIT_2014,
    MOTIF_PENITENTIAIRE,
)

COLONNES_FRACTION = (
    "publics",
    "effort",
    "resultats",
    "score_publics",
    "score_effort",
    "score_resultats",
    "taux_calcule",
    "taux_effectif",
)
COLONNES_MONTANT = (
    "montant_socle",
    "montant_avant_enveloppe",
    "enveloppe_disponible",
    "total_avant_enveloppe",
    "montant_module",
    "montant_verse_2014",
    "regularisation",
    "reste_a_deduire",
    "montant_net",
)
COLONNES_ETP = ("etp_conventionnes_2014", "etp_realises_2014")
COLONNES_REGULARISATION = (
    "montant_verse_2014",
    "etp_conventionnes_2014",
    "etp_realises_2014",
    "regularisation",
    "reste_a_deduire",
    "montant_net",
)
# L'ordre du fichier suit le calcul, de gauche à droite : socle × taux = montant avant enveloppe ;
# × enveloppe disponible / total avant enveloppe = montant modulé ; − régularisation = net.
COLONNES_RESULTATS = (
    *("identifiant", "siret", "raison_sociale", "type", "departement", "region", "annee"),
    *COLONNES_FRACTION[:6],  # indicateurs et scores
    *("motif_taux", "taux_calcule", "montant_socle", "montant_avant_enveloppe"),
    *("enveloppe_disponible", "total_avant_enveloppe", "montant_module", "taux_effectif"),
    *COLONNES_REGULARISATION,
    *("methode", "justification", "anomalies"),
)
# Les nombres tels que l'outil les écrit : montants au centime, fractions à 4 décimales (un
# indicateur d'effort peut dépasser 1 : 10 ETP d'encadrement pour 0,01 ETP en insertion), ETP
# tels que les donne le fichier des versements (une division d'Excel en a 15 décimales).
_FORMES = {
    "montant": re.compile(r"\d{1,13}(?:,\d{1,2})?"),
    "fraction": re.compile(r"\d{1,13}(?:,\d{1,4})?"),
    "etp": re.compile(r"\d{1,7}(?:,\d{1,20})?"),
}
_NATURE = {
    **dict.fromkeys(COLONNES_MONTANT, "montant"),
    **dict.fromkeys(COLONNES_FRACTION, "fraction"),
    **dict.fromkeys(COLONNES_ETP, "etp"),
}
_EXEMPLES = {"montant": "1234,56", "fraction": "0,0734", "etp": "8,5"}


def _cellules(colonne: str, valeurs) -> list[str]:
    """Les cellules d'une colonne, prêtes pour le CSV (texte anti-formule, virgule décimale)."""
    nature = _NATURE.get(colonne)
    if nature is None:
        return ["" if v is None else texte_sans_formule(str(v)) for v in valeurs]
    if nature == "etp":
        return ["" if v is None else format(Decimal(v), "f").replace(".", ",") for v in valeurs]
    gabarit = "{:.2f}" if nature == "montant" else "{:.4f}"
    return ["" if v is None else gabarit.format(Decimal(v)).replace(".", ",") for v in valeurs]


def ecrire_resultats_csv(resultats: pd.DataFrame, chemin: Path) -> Path:
    """Écrit les colonnes de `COLONNES_RESULTATS` dans leur ordre, une ligne par structure."""
    colonnes = [_cellules(c, resultats[c]) for c in COLONNES_RESULTATS]
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";", lineterminator="\r\n")
        ecrivain.writerow(COLONNES_RESULTATS)
        ecrivain.writerows(zip(*colonnes, strict=True))
    return Path(chemin)


# ---------------------------------------------------------------------------------------------
# Relecture vérifiée


@dataclass
class GrandLivre:
    """Le grand livre relu et vérifié : une ligne (dict) par structure, montants en Decimal.

    `modifie` : vide si l'empreinte du fichier est celle du manifeste du calcul ; sinon la
    mention que chaque document produit depuis ce fichier doit porter (option explicite).
    """

    fichier: Path
    annee: int
    lignes: list[dict]
    empreinte: str
    modifie: str = ""

    @property
    def avec_regularisation(self) -> bool:
        """Vrai si la campagne déduit des versements 2014 (colonnes de régularisation)."""
        return any(ligne["regularisation"] is not None for ligne in self.lignes)


def lire_grand_livre(
    chemin: Path, annee: int | None = None, *, accepter_modifie: bool = False
) -> GrandLivre:
    """Relit et vérifie `resultats.csv` ; lève `ErreurEntree` avec tous les problèmes à la fois.

    `annee` : refuse les résultats d'une autre campagne. `accepter_modifie` : accepte un fichier
    dont l'empreinte n'est pas celle du manifeste du calcul (modifié à la main), en le disant.
    """
    chemin = verifier_fichier_entree(chemin)
    entetes, rangees = _lire_rangees(chemin)
    manquantes = [c for c in COLONNES_RESULTATS if c not in entetes]
    if manquantes:
        raise ErreurEntree(
            f"{chemin.name} : ce n'est pas le grand livre (resultats.csv) d'un calcul de cette "
            f"version de « iae-modulation calculer » (colonnes manquantes : "
            f"{', '.join(manquantes)}) ; relancez le calcul."
        )
    if not rangees:
        raise ErreurEntree(f"{chemin.name} : aucune structure dans le grand livre.")
    verification = _Verification(chemin.name)
    lignes = [
        verification.ligne(numero, dict(zip(entetes, r, strict=False))) for numero, r in rangees
    ]
    verification.doublons(lignes)
    annee_fichier = verification.annee(lignes, annee)
    empreinte = sha256(chemin)
    modifie = verification.empreinte(chemin, empreinte, accepter_modifie)
    if not verification.rapport.est_valide:
        raise ErreurEntree(
            f"{chemin.name} : grand livre refusé, aucun document écrit.\n"
            + verification.rapport.texte()
        )
    return GrandLivre(chemin, annee_fichier, lignes, empreinte, modifie)


def _lire_rangees(chemin: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """En-têtes et rangées non vides numérotées comme dans un tableur (en-tête = ligne 1).
    UTF-8 (écrit par l'outil) ou Windows-1252 si Excel l'a réenregistré (un mélange des deux
    est refusé : `encodages`)."""
    texte = decoder_octets(chemin.read_bytes(), chemin.name)
    try:
        rangees = list(csv.reader(texte.splitlines(), delimiter=";"))
    except csv.Error as erreur:
        raise ErreurEntree(
            f"{chemin.name} : fichier CSV illisible ({erreur}) ; choisissez le resultats.csv "
            "écrit par « iae-modulation calculer »."
        ) from None
    if not rangees:
        raise ErreurEntree(
            f"{chemin.name} : fichier vide ; choisissez le resultats.csv écrit par "
            "« iae-modulation calculer »."
        )
    entetes = [e.strip() for e in rangees[0]]
    return entetes, [(n, r) for n, r in enumerate(rangees[1:], start=2) if any(r)]


class _Verification:
    """Les contrôles d'une relecture ; chaque problème devient une anomalie bloquante."""

    def __init__(self, fichier: str) -> None:
        self.fichier = fichier
        self.rapport = RapportValidation()
        self.signalees: set[tuple[int | None, str | None]] = set()  # une anomalie par cellule

    def signaler(self, ligne: int | None, colonne: str | None, valeur: str, message: str) -> None:
        if (ligne, colonne) in self.signalees and ligne is not None:
            return
        self.signalees.add((ligne, colonne))
        self.rapport.ajouter(Anomalie(self.fichier, None, ligne, colonne, valeur, message))

    def ligne(self, numero: int, brute: dict[str, str]) -> dict:
        """Une rangée lue : textes, nombres en Decimal ; puis les calculs refaits."""
        ligne: dict = {"ligne_source": numero}
        for colonne in COLONNES_RESULTATS:
            texte = (brute.get(colonne) or "").strip()
            if colonne in _NATURE:
                ligne[colonne] = self.nombre(numero, colonne, texte)
            else:
                ligne[colonne] = texte[1:] if texte.startswith(("'=", "'+", "'-", "'@")) else texte
        self.identite(numero, ligne)
        if all(ligne[c] is not None for c in ("taux_calcule", "montant_socle")):
            self.calculs(numero, ligne)
        return ligne

    def nombre(self, numero: int, colonne: str, texte: str) -> Decimal | None:
        if texte == "":
            return None
        nature = _NATURE[colonne]
        if _FORMES[nature].fullmatch(texte):
            return Decimal(texte.replace(",", "."))
        if texte.startswith("-") and _FORMES[nature].fullmatch(texte[1:]):
            self.signaler(numero, colonne, texte, "une valeur négative n'est pas possible ici.")
        else:
            self.signaler(
                numero,
                colonne,
                texte,
                f"« {texte[:40]} » n'est pas un nombre au format du grand livre "
                f"(ex. : {_EXEMPLES[nature]}).",
            )
        return None

    def identite(self, numero: int, ligne: dict) -> None:
        if not ligne["identifiant"]:
            self.signaler(numero, "identifiant", "", "identifiant vide.")
        if ligne["type"] not in TYPES_SIAE:
            self.signaler(
                numero,
                "type",
                ligne["type"],
                f"type de SIAE inconnu (attendu : {', '.join(TYPES_SIAE)}).",
            )
        if normaliser_departement(ligne["departement"]) is None:
            self.signaler(numero, "departement", ligne["departement"], "département inconnu.")
        if ligne["motif_taux"] not in MOTIFS:
            self.signaler(
                numero,
                "motif_taux",
                ligne["motif_taux"],
                f"motif inconnu (attendu : {', '.join(MOTIFS)}).",
            )
        for colonne in ("taux_calcule", "montant_socle"):
            if ligne[colonne] is None:
                self.signaler(numero, colonne, "", "valeur obligatoire absente.")

    def calculs(self, numero: int, ligne: dict) -> None:
        """Chaque montant refait depuis les colonnes qui le précèdent sur la même ligne."""
        socle, taux = ligne["montant_socle"], ligne["taux_calcule"]
        maximum = taux_maximal(ligne["annee"])
        for colonne in ("taux_calcule", "taux_effectif"):
            if ligne[colonne] is not None and ligne[colonne] > maximum:
                self.signaler(
                    numero,
                    colonne,
                    nombre_fr(ligne[colonne], 4),
                    f"taux de {taux_fr(ligne[colonne])} : le montant modulé va de 0 à "
                    f"{taux_fr(maximum, 0)} du montant socle.",
                )
        for colonne in COLONNES_MONTANT:
            if ligne[colonne] is not None and ligne[colonne] > MONTANT_MAX:
                self.signaler(
                    numero, colonne, nombre_fr(ligne[colonne]), "montant hors de toute mesure."
                )
        avant = montant_module(socle, taux)
        self.egal(numero, ligne, "montant_avant_enveloppe", avant, "montant socle × taux calculé")
        disponible, total = ligne["enveloppe_disponible"], ligne["total_avant_enveloppe"]
        if (disponible is None) != (total is None):
            self.signaler(
                numero,
                "enveloppe_disponible",
                "",
                "enveloppe_disponible et total_avant_enveloppe vont ensemble (toutes deux "
                "vides, ou toutes deux remplies quand l'enveloppe a réduit le montant).",
            )
            return
        if disponible is not None and not (total > 0 and disponible < total):
            self.signaler(
                numero,
                "enveloppe_disponible",
                nombre_fr(disponible),
                "une enveloppe ne réduit un montant que si elle est inférieure au total.",
            )
            return
        if disponible is not None and ligne["motif_taux"] == MOTIF_PENITENTIAIRE:
            self.signaler(
                numero,
                "enveloppe_disponible",
                nombre_fr(disponible),
                "un taux fixe (milieu pénitentiaire) n'est pas réduit par l'enveloppe.",
            )
        module = avant if disponible is None else montant_reduit(avant, disponible, total)
        explication = (
            "montant avant enveloppe"
            if disponible is None
            else "montant avant enveloppe × enveloppe disponible / total avant enveloppe, au "
            "centime inférieur"
        )
        self.egal(numero, ligne, "montant_module", module, explication)
        self.egal(
            numero,
            ligne,
            "taux_effectif",
            taux_effectif(module, socle),
            "montant modulé ÷ montant socle, à 4 décimales",
            decimales=4,
        )
        self.regularisation(numero, ligne, module)

    def regularisation(self, numero: int, ligne: dict, module: Decimal) -> None:
        colonnes = ("montant_verse_2014", "etp_conventionnes_2014", "etp_realises_2014")
        versement = [ligne[c] for c in colonnes]
        if ligne["regularisation"] is None and all(v is None for v in versement):
            self.egal(numero, ligne, "montant_net", module, "montant modulé (sans régularisation)")
            if ligne["reste_a_deduire"] is not None:
                self.signaler(
                    numero,
                    "reste_a_deduire",
                    nombre_fr(ligne["reste_a_deduire"]),
                    "reste à déduire sans régularisation.",
                )
            return
        if any(v is None for v in versement) or not versement[1]:
            self.signaler(
                numero,
                "montant_verse_2014",
                "",
                "régularisation : montant versé en 2014, ETP conventionnés 2014 (non nuls) et "
                "ETP réalisés 2014 sont tous nécessaires.",
            )
            return
        attendu = regulariser(module, Versement2014(*versement))
        self.egal(
            numero,
            ligne,
            "regularisation",
            attendu.deduction,
            "montant versé 2014 × max(0 ; conventionnés − réalisés) / conventionnés",
        )
        self.egal(
            numero, ligne, "reste_a_deduire", attendu.reste, "max(0 ; régularisation − modulé)"
        )
        self.egal(
            numero, ligne, "montant_net", attendu.net, "max(0 ; montant modulé − régularisation)"
        )

    def egal(
        self,
        numero: int,
        ligne: dict,
        colonne: str,
        attendu: Decimal | None,
        formule: str,
        decimales: int = 2,
    ) -> None:
        lue = ligne[colonne]
        if lue == attendu:
            return
        texte = "vide" if lue is None else nombre_fr(lue, decimales)
        valeur = "vide" if attendu is None else nombre_fr(attendu, decimales)
        self.signaler(
            numero,
            colonne,
            "" if lue is None else nombre_fr(lue, decimales),
            f"{texte} au lieu de {valeur} ({formule}).",
        )

    def doublons(self, lignes: list[dict]) -> None:
        par_identifiant: dict[str, list[int]] = defaultdict(list)
        for ligne in lignes:
            if ligne["identifiant"]:
                par_identifiant[ligne["identifiant"]].append(ligne["ligne_source"])
        for identifiant, numeros in par_identifiant.items():
            if len(numeros) > 1:
                self.signaler(
                    numeros[-1],
                    "identifiant",
                    identifiant,
                    f"structure en double (lignes {', '.join(map(str, numeros))}) : un seul "
                    "montant par structure.",
                )

    def annee(self, lignes: list[dict], demandee: int | None) -> int:
        """L'année de campagne du fichier (une seule) ; refusée si ce n'est pas `demandee`."""
        annees = {ligne["annee"] for ligne in lignes}
        if len(annees) != 1 or not _annee_lisible(next(iter(annees))):
            self.signaler(
                None,
                "annee",
                ", ".join(sorted(annees))[:60],
                "une seule année de campagne par grand livre.",
            )
            return demandee or 0
        annee = int(annees.pop())
        if demandee is not None and annee != demandee:
            self.signaler(
                None,
                "annee",
                str(annee),
                f"ces résultats sont ceux de la campagne {annee}, pas de la campagne {demandee} "
                f"demandée : choisissez les résultats de {demandee}, ou indiquez l'année {annee}.",
            )
        forfaits = [ligne for ligne in lignes if ligne["motif_taux"] == MOTIF_FORFAIT_2014]
        if (annee == 2014) != (len(forfaits) == len(lignes)):
            self.signaler(
                None,
                "motif_taux",
                MOTIF_FORFAIT_2014,
                "en 2014 et seulement en 2014, toutes les structures ont le taux forfaitaire.",
            )
        return annee

    def empreinte(self, chemin: Path, empreinte: str, accepter: bool) -> str:
        """Compare l'empreinte au manifeste du calcul ; renvoie la mention si c'est accepté."""
        attendue = empreinte_du_calcul(chemin)
        if attendue == empreinte:
            return ""
        pourquoi = (
            "le manifeste.json du calcul, qui garde son empreinte, est introuvable à côté de lui"
            if attendue is None
            else "son empreinte SHA-256 n'est plus celle que le calcul a consignée dans "
            "manifeste.json : il a été modifié après le calcul"
        )
        if accepter:
            return (
                f"Établi à partir d'un grand livre modifié après le calcul ({chemin.name}, "
                f"empreinte {empreinte[:16]}… ; {pourquoi})."
            )
        self.signaler(
            None,
            None,
            empreinte[:16],
            f"{pourquoi}. Recalculez la campagne, ou, si la modification est voulue, "
            "relancez avec --resultats-modifies : chaque document le mentionnera.",
        )
        return ""


def empreinte_du_calcul(chemin: Path) -> str | None:
    """L'empreinte SHA-256 de `chemin` consignée par le manifeste du calcul voisin, ou None."""
    manifeste = Path(chemin).parent / "manifeste.json"
    try:
        contenu = json.loads(manifeste.read_text(encoding="utf-8"))
        if contenu.get("commande") != "calculer":
            return None
        return next(
            s["sha256"] for s in contenu["sorties"] if s.get("fichier") == Path(chemin).name
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration):
        return None


def donnees_du_calcul(dossier: Path) -> Path | None:
    """Le fichier de données qu'a lu le calcul du dossier `dossier`, d'après son manifeste : au
    chemin noté, ou, pour un dossier de sortie déplacé, sous le même nom dans le dossier
    `entrees` voisin (classeur) ; None s'il a disparu."""
    try:
        manifeste = json.loads((Path(dossier) / "manifeste.json").read_text("utf-8"))
        entrees = [e for e in manifeste["entrees"] if e["role"] == "donnees"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for entree in entrees:
        nom = PureWindowsPath(entree["fichier"]).name  # écrit sous Windows ou ailleurs
        for candidat in (Path(entree["fichier"]), Path(dossier).parent / "entrees" / nom):
            if candidat.is_file():
                return candidat
    return None


def _annee_lisible(texte: str) -> bool:
    return len(texte) == 4 and texte.isascii() and texte.isdigit()


@cache
def taux_maximal(annee: str) -> Decimal:
    """Le taux maximal du montant modulé (paramètre daté) pour une campagne écrite en texte ;
    pour une année illisible (signalée par ailleurs), celui en vigueur aujourd'hui."""
    jour = dt.date(int(annee), 1, 1) if _annee_lisible(annee) else dt.date.today()
    try:
        return parametres.valeur("taux_modulation_max", jour).valeur
    except parametres.ErreurParametre:
        return parametres.valeur("taux_modulation_max", dt.date.today()).valeur
