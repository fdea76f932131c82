"""Le grand livre d'une campagne, `resultats.csv` : colonnes, écriture, relecture vérifiée.

Une ligne par structure, du montant socle au montant net à verser : les lettres, les tableaux et
décisions de l'annexe 5, `resultats.xlsx` et le classeur lisent leurs montants ici et nulle part
ailleurs (docs/donnees.md, « Le grand livre »). UTF-8 avec BOM (Excel l'ouvre sans assistant),
séparateur `;`, virgule décimale ; taux et indicateurs en fraction (0,0734 = 7,34 %), montants à
deux décimales.

Relu par `annexe5`, `notifications` et `rapprocher`, le fichier est vérifié comme le calcul
vérifie les données : forme de chaque cellule (nombres finis, bornés, positifs), puis chaque nombre
refait par un contrôle indépendant du calcul (`controle_grand_livre` : indicateurs, rangs, scores,
taux, montants, enveloppes, régularisation), puis la chaîne du manifeste du calcul (empreinte du
grand livre et des données lues, année, méthode, enveloppes). Tous les problèmes sont donnés d'un
coup, avec la ligne, la colonne et la valeur.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PureWindowsPath

import pandas as pd

from iae_modulation import parametres
from iae_modulation.colonnes import (
    COLONNES_EFFECTIF,
    COLONNES_ETP,
    COLONNES_FRACTION,
    COLONNES_MONTANT,
    COLONNES_RANG,
    COLONNES_RESULTATS,
    COLONNES_TERMES,
    MOTIF_FORFAIT_2014,
    MOTIFS,
    NOTATIONS,
    colonnes_du_grand_livre,
    optionnels_des_colonnes,
)
from iae_modulation.controle_grand_livre import controler
from iae_modulation.encodages import decoder_octets
from iae_modulation.indicateurs import CRITERES, CRITERES_OPTIONNELS, SENS
from iae_modulation.limites import MONTANT_MAX
from iae_modulation.methode import REPARTITIONS
from iae_modulation.parametres import ANNEE_FORFAIT, surcharge_active
from iae_modulation.referentiel import TYPES_SIAE, normaliser_departement
from iae_modulation.sorties import (
    ErreurEntree,
    reprendre_publication,
    sha256,
    texte_sans_formule,
    verifier_fichier_entree,
)
from iae_modulation.table_canonique import Anomalie, RapportValidation

NOM_RESULTATS = "resultats.csv"
# Les nombres tels que l'outil les écrit : montants au centime, fractions à 4 décimales (un
# indicateur d'effort peut dépasser 1 : 10 ETP d'encadrement pour 0,01 ETP en insertion), ETP
# tels que les donne le fichier des versements (une division d'Excel en a 15 décimales).
# Termes des indicateurs tels que les données les donnent ; rang entier ou demi-entier (ex-æquo).
_FORMES = {
    "montant": re.compile(r"\d{1,13}(?:,\d{1,2})?"),
    "fraction": re.compile(r"\d{1,13}(?:,\d{1,4})?"),
    "etp": re.compile(r"\d{1,7}(?:,\d{1,20})?"),
    "donnee": re.compile(r"\d{1,13}(?:,\d{1,28})?"),
    "rang": re.compile(r"\d{1,6}(?:,5)?"),
    "effectif": re.compile(r"\d{1,6}"),
}
_NATURE = {
    **dict.fromkeys(COLONNES_MONTANT, "montant"),
    **dict.fromkeys(COLONNES_FRACTION, "fraction"),
    **dict.fromkeys(COLONNES_ETP, "etp"),
    **dict.fromkeys(COLONNES_TERMES, "donnee"),
    **dict.fromkeys(COLONNES_RANG, "rang"),
    **dict.fromkeys(COLONNES_EFFECTIF, "effectif"),
}
for _nom, _critere in CRITERES_OPTIONNELS.items():
    _NATURE |= {
        _critere.colonne: "donnee",
        f"part_{_nom}": "fraction",
        f"score_{_nom}": "fraction",
        f"poids_{_nom}": "fraction",
        f"rang_{_nom}": "rang",
        f"effectif_{_nom}": "effectif",
    }
COLONNES_NUMERIQUES = frozenset(_NATURE)  # les colonnes de nombres (les autres sont du texte)
_EXEMPLES = {
    "montant": "1234,56",
    "fraction": "0,0734",
    "etp": "8,5",
    "donnee": "8,58",
    "rang": "2,5",
    "effectif": "4",
}


def _cellules(colonne: str, valeurs) -> list[str]:
    """Les cellules d'une colonne, prêtes pour le CSV (texte anti-formule, virgule décimale)."""
    nature = _NATURE.get(colonne)
    if nature is None:
        return ["" if v is None else texte_sans_formule(str(v)) for v in valeurs]
    # « + 0 » : un zéro négatif (« -0 » lu dans un fichier) s'écrit 0, jamais « -0,00 »
    if nature in ("etp", "donnee", "rang", "effectif"):
        return ["" if v is None else format(Decimal(v) + 0, "f").replace(".", ",") for v in valeurs]
    gabarit = "{:.2f}" if nature == "montant" else "{:.4f}"
    return ["" if v is None else gabarit.format(Decimal(v) + 0).replace(".", ",") for v in valeurs]


def ecrire_resultats_csv(resultats: pd.DataFrame, chemin: Path) -> Path:
    """Écrit les colonnes du grand livre (`colonnes_du_grand_livre`, celles des critères
    facultatifs appliqués comprises) dans leur ordre, une ligne par structure."""
    noms = colonnes_du_grand_livre(optionnels_des_colonnes(resultats.columns))
    colonnes = [_cellules(c, resultats[c]) for c in noms]
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";", lineterminator="\r\n")
        ecrivain.writerow(noms)
        ecrivain.writerows(zip(*colonnes, strict=True))
    return Path(chemin)


# ---------------------------------------------------------------------------------------------
# Relecture vérifiée


@dataclass
class GrandLivre:
    """Le grand livre relu et vérifié : une ligne (dict) par structure, montants en Decimal.

    `modifie` : vide si l'empreinte du fichier est celle du manifeste du calcul ; sinon la
    mention que chaque document produit depuis ce fichier doit porter (option explicite).
    `empreinte_donnees` : l'empreinte SHA-256 des données que le calcul a lues (manifeste).
    """

    fichier: Path
    annee: int
    lignes: list[dict]
    empreinte: str
    modifie: str = ""
    empreinte_donnees: str | None = None
    optionnels: tuple[str, ...] = ()  # critères facultatifs que la méthode applique

    @property
    def mention_courte(self) -> str:
        """La mention d'un grand livre modifié, assez courte pour un en-tête de page Excel."""
        if not self.modifie:
            return ""
        return (
            f"Établi à partir d'un grand livre modifié après le calcul ({self.fichier.name}, "
            f"empreinte {self.empreinte[:16]}…)"
        )


def lire_grand_livre(
    chemin: Path, annee: int | None = None, *, accepter_modifie: bool = False
) -> GrandLivre:
    """Relit et vérifie `resultats.csv` ; lève `ErreurEntree` avec tous les problèmes à la fois.

    `annee` : refuse les résultats d'une autre campagne. `accepter_modifie` : accepte un fichier
    dont l'empreinte n'est pas celle du manifeste du calcul (modifié à la main), en le disant.
    Un dossier de calcul dont la publication a été interrompue est d'abord remis d'aplomb
    (`sorties.reprendre_publication`). Les nombres lisibles sont ensuite tous refaits par
    `controle_grand_livre`, indépendant du calcul.
    """
    if Path(chemin).parent.is_dir():
        reprendre_publication(Path(chemin).parent)
    chemin = verifier_fichier_entree(chemin)
    entetes, rangees = _lire_rangees(chemin)
    optionnels = optionnels_des_colonnes(entetes)
    attendues = colonnes_du_grand_livre(optionnels)
    manquantes = [c for c in attendues if c not in entetes]
    if manquantes:
        raise ErreurEntree(
            f"{chemin.name} : ce n'est pas le grand livre (resultats.csv) d'un calcul de cette "
            f"version de « iae-modulation calculer » (colonnes manquantes : "
            f"{', '.join(manquantes)}) ; relancez le calcul."
        )
    if not rangees:
        raise ErreurEntree(f"{chemin.name} : aucune structure dans le grand livre.")
    verification = _Verification(chemin.name, attendues)
    lignes = [
        verification.ligne(numero, dict(zip(entetes, r, strict=False))) for numero, r in rangees
    ]
    verification.doublons(lignes)
    annee_fichier = verification.annee(lignes, annee)
    ecartees = {numero for numero, _ in verification.signalees if numero is not None}
    empreinte = sha256(chemin)
    manifeste = manifeste_du_calcul(chemin)
    modifie = verification.empreinte(chemin, empreinte, manifeste, accepter_modifie)
    chaine = manifeste if manifeste is not None and not modifie else None
    if chaine is not None:
        verification.chaine(chaine, annee_fichier, lignes)
    memes_parametres = manifeste is None or verification.memes_parametres(manifeste)
    if verification.annee_lue is not None and memes_parametres:
        controler(
            lignes,
            annee_fichier,
            verification.signaler,
            None if chaine is None else enveloppes_consignees(chaine),
            ecartees=ecartees,
        )
    if not verification.rapport.est_valide:
        raise ErreurEntree(
            f"{chemin.name} : grand livre refusé, aucun document écrit.\n"
            + verification.rapport.texte()
        )
    donnees = None if manifeste is None else entree_consignee(manifeste, "donnees")
    return GrandLivre(chemin, annee_fichier, lignes, empreinte, modifie, donnees, optionnels)


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


# Colonnes sans lesquelles aucun montant de la ligne ne se refait.
OBLIGATOIRES: tuple[str, ...] = (
    "taux_calcule",
    "montant_socle",
    "montant_avant_enveloppe",
    "montant_module",
)
OBLIGATOIRES += ("montant_net",)


class _Verification:
    """Les contrôles de forme d'une relecture ; chaque problème devient une anomalie bloquante."""

    def __init__(self, fichier: str, colonnes: tuple[str, ...] = COLONNES_RESULTATS) -> None:
        self.fichier = fichier
        self.colonnes = colonnes
        self.annee_lue: int | None = None  # l'année du fichier, si elle est lisible
        self.rapport = RapportValidation()
        self.signalees: set[tuple[int | None, str | None]] = set()  # une anomalie par cellule

    def signaler(self, ligne: int | None, colonne: str | None, valeur: str, message: str) -> None:
        if (ligne, colonne) in self.signalees and ligne is not None:
            return
        self.signalees.add((ligne, colonne))
        self.rapport.ajouter(Anomalie(self.fichier, None, ligne, colonne, valeur, message))

    def ligne(self, numero: int, brute: dict[str, str]) -> dict:
        """Une rangée lue : textes, nombres en Decimal."""
        ligne: dict = {"ligne_source": numero}
        for colonne in self.colonnes:
            texte = (brute.get(colonne) or "").strip()
            if colonne in _NATURE:
                ligne[colonne] = self.nombre(numero, colonne, texte)
            else:
                ligne[colonne] = texte[1:] if texte.startswith(("'=", "'+", "'-", "'@")) else texte
        self.identite(numero, ligne)
        return ligne

    def nombre(self, numero: int, colonne: str, texte: str) -> Decimal | None:
        if texte == "":
            return None
        nature = _NATURE[colonne]
        if _FORMES[nature].fullmatch(texte):
            nombre = Decimal(texte.replace(",", "."))
            if nombre > MONTANT_MAX:
                self.signaler(numero, colonne, texte, "nombre hors de toute mesure.")
            return nombre
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
        connus = [
            ("type", TYPES_SIAE, "type de SIAE"),
            ("motif_taux", MOTIFS, "motif"),
            ("notation", NOTATIONS, "notation"),
            ("repartition", tuple(REPARTITIONS), "répartition"),
        ]
        connus += [(c, ("", *SENS), "sens") for c in self.colonnes if c.startswith("sens_")]
        if not ligne["methode"]:
            self.signaler(numero, "methode", "", "nom de la méthode vide.")
        for colonne, valeurs, quoi in connus:
            if ligne[colonne] not in valeurs:
                self.signaler(
                    numero,
                    colonne,
                    ligne[colonne],
                    f"{quoi} inconnu(e) (attendu : {', '.join(valeurs)}).",
                )
        if normaliser_departement(ligne["departement"]) is None:
            self.signaler(numero, "departement", ligne["departement"], "département inconnu.")
        for colonne in OBLIGATOIRES:
            if ligne[colonne] is None:
                self.signaler(numero, colonne, "", "valeur obligatoire absente.")

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
        annee = self.annee_lue = int(annees.pop())
        if demandee is not None and annee != demandee:
            self.signaler(
                None,
                "annee",
                str(annee),
                f"ces résultats sont ceux de la campagne {annee}, pas de la campagne {demandee} "
                f"demandée : choisissez les résultats de {demandee}, ou indiquez l'année {annee}.",
            )
        forfaits = [ligne for ligne in lignes if ligne["motif_taux"] == MOTIF_FORFAIT_2014]
        if (annee == ANNEE_FORFAIT) != (len(forfaits) == len(lignes)):
            self.signaler(
                None,
                "motif_taux",
                MOTIF_FORFAIT_2014,
                f"en {ANNEE_FORFAIT} et seulement en {ANNEE_FORFAIT}, toutes les structures ont le "
                "taux forfaitaire.",
            )
        return annee

    def empreinte(
        self, chemin: Path, empreinte: str, manifeste: dict | None, accepter: bool
    ) -> str:
        """Compare l'empreinte au manifeste du calcul ; renvoie la mention si c'est accepté."""
        attendue = None if manifeste is None else sortie_consignee(manifeste, chemin.name)
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

    def chaine(self, manifeste: dict, annee: int, lignes: list[dict]) -> None:
        """Le manifeste du calcul dit la même campagne que le grand livre et consigne
        l'empreinte des données lues : la chaîne données -> calcul -> grand livre est entière."""
        lues = manifeste.get("options")
        options = lues if isinstance(lues, dict) else {}
        if options.get("annee") != annee:
            self.signaler(
                None,
                "annee",
                str(annee),
                f"le manifeste du calcul dit la campagne {options.get('annee')}.",
            )
        self.methode(options.get("methode"), lignes)
        donnees = entree_consignee(manifeste, "donnees")
        if donnees is None or not re.fullmatch(r"[0-9a-f]{64}", donnees):
            self.signaler(
                None,
                None,
                "manifeste.json",
                "le manifeste du calcul ne consigne pas l'empreinte SHA-256 des données lues : "
                "recalculez la campagne.",
            )
        if enveloppes_consignees(manifeste) is None:
            self.signaler(
                None,
                "enveloppe_region",
                "manifeste.json",
                "le manifeste du calcul ne dit pas les enveloppes lues : recalculez la campagne.",
            )

    def methode(self, consignee: object, lignes: list[dict]) -> None:
        """La méthode du grand livre est celle que le manifeste du calcul consigne : nom,
        notation, groupes, répartition, taux moyen visé, poids et plafond appliqués ; le contenu
        du fichier de méthode a l'empreinte consignée ; la méthode par défaut a les poids et
        le plafond des paramètres datés."""
        if not isinstance(consignee, dict) or not isinstance(consignee.get("appliquee"), dict):
            self.signaler(
                None,
                "methode",
                "manifeste.json",
                "le manifeste du calcul ne dit pas la méthode appliquée : recalculez la campagne.",
            )
            return
        appliquee = consignee["appliquee"]
        comparees = [ligne for ligne in lignes if ligne["plafond"] is not None]
        attendus = [
            ("methode", consignee.get("nom"), lignes),
            ("notation", consignee.get("notation"), lignes),
            ("repartition", consignee.get("repartition"), lignes),
            ("taux_moyen_cible", _decimal(consignee.get("taux_moyen")), lignes),
            ("plafond_methode", _decimal(appliquee.get("plafond")), comparees),
        ]
        poids = appliquee.get("poids") if isinstance(appliquee.get("poids"), dict) else {}
        attendus += [(f"poids_{c}", _decimal(p), comparees) for c, p in poids.items()]
        for colonne, attendu, concernees in attendus:
            lus = {ligne.get(colonne) for ligne in concernees}
            if concernees and lus != {attendu}:
                self.signaler(
                    None,
                    colonne,
                    ", ".join(sorted(map(str, lus)))[:60],
                    f"le manifeste du calcul dit {attendu} pour la méthode appliquée.",
                )
        colonnes_poids = {c for c in self.colonnes if c.startswith("poids_")}
        if comparees and colonnes_poids != {f"poids_{c}" for c in poids}:
            self.signaler(
                None,
                "methode",
                "manifeste.json",
                "les critères du grand livre ne sont pas ceux de la méthode consignée.",
            )
        etiquettes = {
            "region": {f"{ligne['type']} {ligne['region']}" for ligne in comparees},
            "departement": {f"{ligne['type']} {ligne['departement']}" for ligne in comparees},
        }.get(str(consignee.get("groupes")), set())
        if {ligne["groupe"] for ligne in comparees} != etiquettes:
            self.signaler(
                None,
                "groupe",
                str(consignee.get("groupes")),
                "les groupes du grand livre ne sont pas ceux de la méthode consignée "
                f"(groupes {consignee.get('groupes')}).",
            )
        contenu = consignee.get("contenu")
        if contenu is not None and (
            hashlib.sha256(str(contenu).encode("utf-8")).hexdigest() != consignee.get("sha256")
        ):
            self.signaler(
                None,
                "methode",
                "manifeste.json",
                "le contenu du fichier de méthode consigné n'a plus son empreinte SHA-256.",
            )
        if consignee.get("origine") == "défaut" and comparees:
            self._methode_par_defaut(poids, appliquee.get("plafond"), int(lignes[0]["annee"]))

    def _methode_par_defaut(self, poids: dict, plafond: object, annee: int) -> None:
        """La méthode par défaut applique les poids et le plafond des paramètres datés."""
        jour = dt.date(annee, 1, 1)
        try:
            attendus = {c: parametres.valeur(f"poids_{c}", jour).valeur for c in CRITERES}
            maximum = parametres.valeur("taux_modulation_max", jour).valeur
        except parametres.ErreurParametre:
            return  # le contrôle du taux le signale
        lus = {c: _decimal(p) for c, p in poids.items()}
        if lus != attendus or _decimal(plafond) != maximum:
            self.signaler(
                None,
                "methode",
                "manifeste.json",
                "la méthode par défaut applique les poids et le plafond en vigueur "
                f"({', '.join(f'{c} {v}' for c, v in attendus.items())}, plafond {maximum}).",
            )

    def memes_parametres(self, manifeste: dict) -> bool:
        """Le contrôle relit les paramètres datés : il faut ceux du calcul, dossier de
        paramètres de l'agent compris (mêmes fichiers, mêmes empreintes) ; sinon il dirait faux
        chaque taux qui en dépend. Faux (et signalé) s'ils diffèrent."""
        consignee = manifeste.get("surcharge_parametres")
        active = surcharge_active()
        attendus = _fichiers_de_surcharge(consignee)
        lus = _fichiers_de_surcharge(None if active is None else active.vers_dict())
        if attendus == lus:
            return True
        dossier = consignee.get("dossier") if isinstance(consignee, dict) else None
        if dossier:
            message = (
                f"le calcul a lu le dossier de paramètres « {dossier} » (manifeste.json) : "
                "relancez avec --parametres et ce dossier (ou la cellule « Dossier de "
                "paramètres » du classeur), inchangé, pour que les taux soient refaits avec les "
                "mêmes valeurs."
            )
        else:
            message = (
                "le calcul n'a lu aucun dossier de paramètres : relancez sans --parametres (ou "
                "videz la cellule « Dossier de paramètres » du classeur)."
            )
        self.signaler(None, None, "manifeste.json", message)
        return False


def _fichiers_de_surcharge(decrite: object) -> list[tuple[str, str]]:
    """(fichier, SHA-256) d'un dossier de paramètres décrit au manifeste (vide : aucun)."""
    if not isinstance(decrite, dict) or not isinstance(decrite.get("fichiers"), list):
        return []
    return sorted(
        (str(f.get("fichier")), str(f.get("sha256")))
        for f in decrite["fichiers"]
        if isinstance(f, dict)
    )


# ---------------------------------------------------------------------------------------------
# Le manifeste du calcul : ce qu'il consigne du grand livre


def manifeste_du_calcul(chemin: Path) -> dict | None:
    """Le manifeste.json du calcul voisin de `chemin` (commande « calculer »), ou None."""
    manifeste = Path(chemin).parent / "manifeste.json"
    try:
        contenu = json.loads(manifeste.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(contenu, dict) or contenu.get("commande") != "calculer":
        return None
    return contenu


def _consigne(manifeste: dict, liste: str, cle: str, valeur: str) -> str | None:
    try:
        return next(
            str(e["sha256"])
            for e in manifeste[liste]
            if isinstance(e, dict) and e.get(cle) == valeur
        )
    except (KeyError, TypeError, StopIteration):
        return None


def sortie_consignee(manifeste: dict, nom: str) -> str | None:
    """L'empreinte SHA-256 d'un fichier produit, consignée par le manifeste."""
    return _consigne(manifeste, "sorties", "fichier", nom)


def entree_consignee(manifeste: dict, role: str) -> str | None:
    """L'empreinte SHA-256 d'une entrée (« donnees »…), consignée par le manifeste."""
    return _consigne(manifeste, "entrees", "role", role)


def enveloppes_consignees(manifeste: dict) -> dict[str, Decimal] | None:
    """Les enveloppes régionales que le calcul a reçues (option « enveloppes » de son
    manifeste : région -> montant en texte exact), ou None si le manifeste ne les dit pas."""
    options = manifeste.get("options")
    enveloppes = options.get("enveloppes") if isinstance(options, dict) else None
    if not isinstance(enveloppes, dict):
        return None
    try:
        return {str(region): Decimal(str(montant)) for region, montant in enveloppes.items()}
    except ArithmeticError:
        return None


def _decimal(texte: object) -> Decimal | None:
    """Un nombre consigné en texte exact dans le manifeste (None s'il n'y en a pas)."""
    try:
        return None if texte is None else Decimal(str(texte))
    except ArithmeticError:
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
