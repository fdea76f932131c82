"""Les actions du ruban « IAE Modulation » : chacune est un appel mince aux fonctions de la CLI.

Appelée sans argument (macro `RunPython` du ruban), une action agit sur le classeur Excel qui l'a
appelée ; `iae-modulation classeur executer ACTION CLASSEUR.xlsm` lui passe le fichier. Chaque
action écrit une ligne dans la feuille « Journal » (date, action, entrées, sorties, résultat) et
n'affiche jamais de trace Python : une erreur devient un message français.

Chaque action importe ce dont elle a besoin au moment où elle s'exécute (calcul, annexe 5,
documents…) : un clic ne paie que le chargement de sa propre action.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from iae_modulation.demonstration import avertissement_demonstration
from iae_modulation.erreurs import ErreurEntree, traduire
from iae_modulation.excel import classeur as c
from iae_modulation.referentiel import (
    TYPES_SIAE,
    normaliser_departement,
    normaliser_region,
    probleme_annee_campagne,
)

if TYPE_CHECKING:
    import pandas as pd

    from iae_modulation.documents.signature import Signature
    from iae_modulation.methode import Methode
    from iae_modulation.table_canonique import RapportValidation

CODE_SUCCES, CODE_ERREUR, CODE_DONNEES_INVALIDES = 0, 1, 2


@dataclass
class ResultatAction:
    """Ce qu'une action a fait : la ligne du journal et le code de sortie de la commande."""

    action: str
    code: int = CODE_SUCCES
    message: str = ""
    entrees: list[str] = field(default_factory=list)
    sorties: list[str] = field(default_factory=list)
    classeur_modifie: bool = False  # des feuilles ont été écrites (résultats, vérification)


class ErreurAction(Exception):
    """Action impossible (paramètre manquant, calcul préalable absent) ; message en français."""


# --- paramètres -----------------------------------------------------------------------------------


def _texte(classeur: c.Classeur, nom: str) -> str:
    valeur = classeur.lire_parametre(nom)
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    return "" if valeur is None else str(valeur).strip()


def _annee(classeur: c.Classeur) -> int:
    texte = _texte(classeur, "annee")
    lieu = f"Feuille « {c.PARAMETRES} », « Année de campagne »"
    if not texte:
        raise ErreurAction(f"{lieu} : à renseigner (l'année du versement, ex. : 2026).")
    if not texte.isdigit():
        raise ErreurAction(f"{lieu} : « {texte} » n'est pas une année (ex. : 2026).")
    probleme = probleme_annee_campagne(int(texte))
    if probleme:
        raise ErreurAction(f"{lieu} : {probleme}")
    return int(texte)


def _oui(classeur: c.Classeur, nom: str) -> bool:
    return _texte(classeur, nom).lower() in ("oui", "vrai", "1")


def dossier_parametres(classeur: c.Classeur) -> Path | None:
    """Le « Dossier de paramètres » (facultatif) : chemin complet, ou relatif au dossier du
    classeur ; None s'il est vide ou si le classeur, plus ancien, n'a pas cette cellule."""
    try:
        texte = _texte(classeur, "dossier_parametres")
    except Exception:  # classeur construit avant cette cellule : elle est facultative
        return None
    if not texte:
        return None
    chemin = PureWindowsPath(texte)
    dossier = (
        Path(texte)
        if chemin.drive or chemin.root or PurePosixPath(texte).is_absolute()
        else classeur.chemin.parent.joinpath(*chemin.parts)
    )
    if not dossier.is_dir():
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Dossier de paramètres » : {dossier} n'est pas un "
            "dossier (laissez la cellule vide pour les seuls paramètres de l'outil)."
        )
    return dossier


def dossier_de_sortie(classeur: c.Classeur) -> Path:
    """Le dossier de sortie des Paramètres, toujours sous le dossier du classeur : un classeur
    reçu ne décide pas d'écrire ailleurs (chemin absolu, « .. », lecteur, « ~ » refusés)."""
    texte = _texte(classeur, "dossier_sortie") or "IAE_sorties"
    windows = PureWindowsPath(texte)  # sépare sur / et \, reconnaît C: et \\serveur
    if (
        windows.drive
        or windows.root
        or PurePosixPath(texte).is_absolute()
        or any(partie in ("..", "~") or partie.startswith("~") for partie in windows.parts)
    ):
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Dossier de sortie » : « {texte} » refusé. Indiquez "
            "un sous-dossier du dossier du classeur (p. ex. IAE_sorties), sans « .. » ni chemin "
            "complet : un classeur ne décide pas d'écrire ailleurs que près de lui."
        )
    return classeur.chemin.parent.joinpath(*windows.parts)


# La qualité écrite par défaut dans les classeurs construits avant le choix de l'autorité :
# c'était la ligne de délégation régionale, désormais écrite par l'outil selon l'autorité.
ANCIENNE_QUALITE = "Pour le préfet de région et par délégation"


def _signature(classeur: c.Classeur) -> Signature:
    """Le bloc de signature des Paramètres ; un classeur construit avant les cellules de
    l'autorité (« Autorité qui signe », « Préfète », « DDETS-PP ») prend leurs valeurs par
    défaut."""
    from iae_modulation.documents.autorite import DEPARTEMENT, niveau_autorite
    from iae_modulation.documents.signature import Signature

    qualite = _texte(classeur, "qualite")
    try:
        niveau = _texte(classeur, "autorite") or DEPARTEMENT
        prefete, ddets_pp = _oui(classeur, "prefete"), _oui(classeur, "ddets_pp")
    except Exception:  # classeur construit avant ces cellules : elles sont facultatives
        niveau, prefete, ddets_pp = DEPARTEMENT, False, False
    try:
        niveau = niveau_autorite(niveau)
    except ErreurEntree as erreur:
        lieu = f"Feuille « {c.PARAMETRES} », « Autorité qui signe »"
        raise ErreurAction(f"{lieu} : {erreur}") from None
    return Signature(
        service=_texte(classeur, "service") or Signature.service,
        region=_texte(classeur, "region"),
        lieu=_texte(classeur, "lieu"),
        signataire=_texte(classeur, "signataire"),
        qualite="" if qualite.rstrip(" ,") == ANCIENNE_QUALITE else qualite,
        niveau=niveau,
        prefete=prefete,
        ddets_pp=ddets_pp,
        affaire=_facultatif(classeur, "affaire"),
        telephone=_facultatif(classeur, "telephone"),
        courriel=_facultatif(classeur, "courriel"),
    )


def _dernier_calcul(classeur: c.Classeur) -> Path:
    """Le dossier du dernier calcul, noté relativement au classeur (un classeur envoyé avec son
    dossier de sortie le retrouve chez le collègue) ; un ancien chemin complet est accepté."""
    texte = _texte(classeur, "dernier_calcul")
    chemin = PureWindowsPath(texte)  # sépare sur / et \
    dossier = (
        None
        if not texte
        else Path(texte)
        if chemin.drive or chemin.root or PurePosixPath(texte).is_absolute()
        else classeur.chemin.parent.joinpath(*chemin.parts)
    )
    if dossier is None or not (dossier / "resultats.csv").is_file():
        raise ErreurAction(
            "Aucun calcul enregistré : cliquez d'abord sur « Calculer la modulation »"
            + (f" (dossier introuvable : {texte})." if texte else ".")
        )
    return dossier


def _avertissement_demonstration(identifiants: Iterable[object], ou: str) -> str:
    """L'avertissement des structures fictives (`demonstration`), à remplacer dans la feuille."""
    return avertissement_demonstration(identifiants, ou, f"la feuille « {c.DONNEES} »")


def _avertir(resultat: ResultatAction, avertissement: str) -> None:
    if avertissement:
        resultat.message = f"{avertissement}\n{resultat.message}"


def _annonce_du_calcul(calcul: Path) -> str:
    """« Dernier calcul utilisé : calcul-2026-… (méthode « … ») » : les documents disent de
    quel calcul ils partent, et de quelle méthode."""
    with (calcul / "resultats.csv").open(encoding="utf-8-sig", newline="") as f:
        premiere = next(csv.DictReader(f, delimiter=";"), {})
    methode = premiere.get("methode") or "inconnue"
    return f"Dernier calcul utilisé : {calcul.name} (méthode « {methode} »)."


def _identifiants_du_calcul(calcul: Path) -> list[str]:
    with (calcul / "resultats.csv").open(encoding="utf-8-sig", newline="") as f:
        return [ligne.get("identifiant", "") for ligne in csv.DictReader(f, delimiter=";")]


def _horodatage(base: Path) -> str:
    """« AAAAMMJJ-HHMMSS » des dossiers et fichiers d'une action ; suffixé « -2 », « -3 »…
    quand une action de la même seconde l'a déjà pris dans le dossier de sortie (deux actions
    rapprochées ne se refusent pas l'une l'autre)."""
    seconde = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dossiers = [d for d in (base, base / "entrees") if d.is_dir()]
    pris = [p.name for dossier in dossiers for p in dossier.iterdir()]
    candidat, rang = seconde, 1
    while any(re.search(re.escape(candidat) + r"(?![-\d])", nom) for nom in pris):
        rang += 1
        candidat = f"{seconde}-{rang}"
    return candidat


# --- vérification ---------------------------------------------------------------------------------


def _table_donnees(classeur: c.Classeur):
    from iae_modulation.excel.tableau import table_brute

    return table_brute(classeur.lire_feuille(c.DONNEES), classeur.chemin, c.DONNEES)


def _ecrire_anomalies(classeur: c.Classeur, rapport: RapportValidation) -> None:
    """Le rapport dans « Vérification », et les cellules de « Données SIAE » surlignées."""
    from iae_modulation import donnees as module_donnees

    en_tetes = [str(v or "").strip() for v in (classeur.lire_feuille(c.DONNEES) or [[]])[0]]
    cles = {module_donnees.cle_en_tete(nom): position for position, nom in enumerate(en_tetes, 1)}
    resume = rapport.texte().splitlines()[0]
    classeur.ecrire_lignes(c.VERIFICATION, 1, [[f"Vérifié le {c.horodatage()} : {resume}"]])
    classeur.ecrire_lignes(
        c.VERIFICATION,
        c.LIGNE_ENTETE_VERIFICATION,
        [list(c.COLONNES_VERIFICATION)]
        + [
            [
                a.ligne,
                a.colonne or "",
                a.valeur,
                a.message,
                "bloquant" if a.bloquante else "avertissement",
            ]
            for a in rapport.anomalies
        ],
    )
    classeur.effacer_surlignage(c.DONNEES, 2)
    classeur.surligner(
        c.DONNEES,
        sorted(
            {
                (a.ligne, cles[module_donnees.cle_en_tete(a.colonne)])
                for a in rapport.anomalies
                if a.ligne is not None
                and a.colonne is not None
                and module_donnees.cle_en_tete(a.colonne) in cles
            }
        ),
    )


def verifier_donnees(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Vérifier les données » : validation de la feuille « Données SIAE » (`donnees.valider`)."""
    return _executer("Vérifier les données", classeur, _verifier)


def _verifier(classeur: c.Classeur, resultat: ResultatAction) -> None:
    from iae_modulation import donnees as module_donnees
    from iae_modulation import parametres
    from iae_modulation.regles import ReglesDatees

    annee = _annee(classeur)
    resultat.entrees = [f"{c.DONNEES} ({classeur.chemin.name})", f"année {annee}"]
    brute = _table_donnees(classeur)
    validees = module_donnees.valider(brute, annee)
    with parametres.surcharge(dossier_parametres(classeur)):
        # les règles de la date (EITI, milieu pénitentiaire) refusent aussi des lignes
        validees.rapport.ajouter(
            *ReglesDatees(annee, parametres.en_vigueur).refus(validees, validees.table)
        )
    _ecrire_anomalies(classeur, validees.rapport)
    resultat.classeur_modifie = True
    resultat.sorties = [f"feuille « {c.VERIFICATION} »"]
    resultat.message = (
        f"{len(brute.table)} ligne(s) lue(s), {len(validees.table)} valide(s). "
        + validees.rapport.texte().splitlines()[0]
    )
    if "identifiant" in brute.table.columns:
        ou = f"la feuille « {c.DONNEES} »"
        _avertir(resultat, _avertissement_demonstration(brute.table["identifiant"], ou))
    if not validees.rapport.est_valide:
        resultat.code = CODE_DONNEES_INVALIDES


# --- calcul ---------------------------------------------------------------------------------------


def _instantane_donnees(classeur: c.Classeur, dossier: Path, horodatage: str) -> Path:
    """Copie de la feuille « Données SIAE » (mêmes lignes) : l'entrée exacte du calcul,
    gardée avec son empreinte dans le manifeste."""
    return classeur.copier_feuille(c.DONNEES, dossier / f"donnees-{horodatage}.xlsx")


def _enveloppe(classeur: c.Classeur) -> tuple[str, Decimal] | None:
    """La région et l'enveloppe des Paramètres (vérifiées avant tout travail), ou None."""
    from iae_modulation.lecture import NombreAmbigu, lire_montant

    texte = _texte(classeur, "enveloppe")
    if not texte:
        return None
    region = normaliser_region(_texte(classeur, "region"))
    if region is None:
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} » : une enveloppe est indiquée mais la région "
            f"« {_texte(classeur, 'region')} » n'est pas reconnue."
        )
    try:
        montant = lire_montant(texte)  # « 295.600 » refusé ici, pas lu 295,60 €
    except NombreAmbigu as erreur:
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Enveloppe régionale » : {erreur}"
        ) from None
    except ValueError:
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Enveloppe régionale » : « {texte} » n'est pas un "
            "montant."
        ) from None
    return region, montant


def _ecrire_enveloppe(enveloppe: tuple[str, Decimal], dossier: Path, horodatage: str) -> Path:
    chemin = dossier / f"enveloppes-{horodatage}.csv"
    region, montant = enveloppe
    chemin.write_text(f"region;enveloppe\r\n{region};{montant}\r\n", encoding="utf-8-sig")
    return chemin


def lignes_synthese(resultats: pd.DataFrame) -> list[list[object]]:
    """Par type de SIAE puis au total : structures, montant socle, montant modulé, taux moyen."""
    lignes = []
    groupes = [(code, resultats[resultats["type"] == code]) for code in TYPES_SIAE]
    for libelle, groupe in [*groupes, ("Total", resultats)]:
        socle = sum(groupe["montant_socle"], Decimal(0))
        module = sum(groupe["montant_module"], Decimal(0))
        taux = (module / socle).quantize(Decimal("0.0001")) if socle else None
        lignes.append([libelle, len(groupe), socle, module, taux])
    return lignes


def calculer_modulation(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Calculer la modulation » : `campagne.executer_calcul`, comme `iae-modulation calculer`."""
    return _executer("Calculer la modulation", classeur, _calculer)


def _facultatif(classeur: c.Classeur, nom: str) -> str:
    """Une cellule des Paramètres ajoutée après la première version du classeur : vide si un
    classeur plus ancien ne l'a pas."""
    try:
        return _texte(classeur, nom)
    except Exception:  # classeur construit avant cette cellule : elle est facultative
        return ""


def methode_des_cellules(classeur: c.Classeur, lieu: str, valeurs: dict[str, str]) -> Methode:
    """La méthode que disent des cellules (Paramètres, ou une ligne de « Simulation ») : un
    fichier de méthode, ou la méthode par défaut modifiée par la notation, les poids, les
    groupes, le plafond, la répartition et le taux moyen visé."""
    from iae_modulation.fichier_methode import lire_methode
    from iae_modulation.methode import ErreurMethode, depuis_options

    notation = (valeurs.get("notation") or "rang").strip().lower()
    poids = [valeurs.get(f"poids_{c}", "").strip() for c in ("publics", "effort", "resultats")]
    reglages = {
        "groupes": valeurs.get("groupes", ""),
        "plafond": valeurs.get("plafond", ""),
        "repartition": valeurs.get("repartition", ""),
        "taux_moyen": valeurs.get("taux_moyen", ""),
    }
    defauts = {"groupes": ("", "type × région"), "repartition": ("", "plafond")}
    choisis = (
        [nom for nom, valeur in reglages.items() if valeur.strip() not in defauts.get(nom, ("",))]
        + (["poids"] if any(poids) else [])
        + (["notation"] if notation != "rang" else [])
    )
    try:
        if valeurs.get("fichier"):
            if choisis:
                raise ErreurMethode(
                    f"un fichier de méthode et d'autres choix ({', '.join(choisis)}) : le "
                    "fichier est la méthode, écrivez ces choix dedans ou videz ces cellules."
                )
            chemin = _fichier_du_classeur(classeur, valeurs["fichier"])
            if not chemin.is_file():
                raise ErreurMethode(f"fichier de méthode introuvable ({chemin}).")
            return lire_methode(chemin)
        texte_poids = None
        if any(poids):
            noms = ("publics", "effort", "resultats")
            texte_poids = ",".join(f"{n}={v or 0}" for n, v in zip(noms, poids, strict=True))
        return depuis_options(
            notation=notation,
            poids=texte_poids,
            groupes=reglages["groupes"] or None,
            plafond=reglages["plafond"] or None,
            repartition=reglages["repartition"] or None,
            taux_moyen=reglages["taux_moyen"] or None,
            source=lieu,
        )
    except ErreurMethode as erreur:
        raise ErreurAction(f"{lieu} : {erreur}") from None


def _methode_des_parametres(classeur: c.Classeur) -> Methode:
    valeurs = {
        "notation": _texte(classeur, "methode"),
        "fichier": _facultatif(classeur, "methode_fichier"),
        **{
            cle: _facultatif(classeur, nom)
            for cle, nom in (
                ("poids_publics", "poids_publics"),
                ("poids_effort", "poids_effort"),
                ("poids_resultats", "poids_resultats"),
                ("groupes", "groupes"),
                ("plafond", "plafond_methode"),
                ("repartition", "repartition"),
                ("taux_moyen", "taux_moyen"),
            )
        },
    }
    return methode_des_cellules(classeur, f"Feuille « {c.PARAMETRES} »", valeurs)


def _precedent(classeur: c.Classeur) -> Path | None:
    """Le grand livre de la campagne précédente des Paramètres (facultatif)."""
    texte = _facultatif(classeur, "precedent")
    if not texte:
        return None
    chemin = _fichier_du_classeur(classeur, texte)
    if not chemin.exists():
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Grand livre de la campagne précédente » : "
            f"{chemin} introuvable (laissez la cellule vide sans campagne précédente)."
        )
    return chemin


def _entrees_du_calcul(classeur: c.Classeur) -> tuple[Path, str, Path, Path | None]:
    """Le dossier de sortie, l'horodatage, la copie exacte des données et le fichier de
    l'enveloppe des Paramètres (ou None), écrits dans `entrees/` : ce que lit un calcul ou une
    simulation lancé du classeur."""
    base = dossier_de_sortie(classeur)
    horodatage = _horodatage(base)
    enveloppe = _enveloppe(classeur)
    entrees = base / "entrees"
    entrees.mkdir(parents=True, exist_ok=True)
    instantane = _instantane_donnees(classeur, entrees, horodatage)
    enveloppes = None if enveloppe is None else _ecrire_enveloppe(enveloppe, entrees, horodatage)
    return base, horodatage, instantane, enveloppes


def _calculer(classeur: c.Classeur, resultat: ResultatAction) -> None:
    from iae_modulation.campagne import executer_calcul
    from iae_modulation.excel.tableau import formats_resultats, lignes_resultats

    annee = _annee(classeur)
    methode = _methode_des_parametres(classeur)
    precedent = _precedent(classeur)
    base, horodatage, instantane, enveloppes = _entrees_du_calcul(classeur)
    resultat.entrees = [str(instantane), f"année {annee}", f"méthode « {methode.nom} »"]
    if enveloppes is not None:
        resultat.entrees.append(str(enveloppes))
    if precedent is not None:
        resultat.entrees.append(str(precedent))
    sortie = base / f"calcul-{annee}-{horodatage}"
    rapport = executer_calcul(
        instantane,
        annee,
        sortie,
        methode=methode,
        enveloppes=enveloppes,
        precedent=precedent,
        classeur_xlsx=False,
        dossier_parametres=dossier_parametres(classeur),
    )
    resultat.message = rapport.resume()
    if rapport.calcul is None:
        if rapport.rapport.anomalies:
            _ecrire_anomalies(classeur, rapport.rapport)
            resultat.classeur_modifie = True
            resultat.sorties = [f"feuille « {c.VERIFICATION} »"]
        resultat.code = rapport.code_sortie or CODE_ERREUR
        return
    resultats = rapport.calcul.resultats
    _avertir(resultat, _avertissement_demonstration(resultats["identifiant"], "le calcul"))
    lignes = lignes_resultats(resultats)
    classeur.ecrire_lignes(c.RESULTATS, 1, lignes, formats_resultats(resultats.columns))
    classeur.ecrire_lignes(
        c.SYNTHESE,
        c.LIGNE_ENTETE_SYNTHESE + 1,
        lignes_synthese(resultats),
        [None, None, c.FORMAT_EUROS, c.FORMAT_EUROS, c.FORMAT_POURCENT],
    )
    if rapport.sortie is not None:
        dernier = rapport.sortie.relative_to(classeur.chemin.parent).as_posix()
        classeur.ecrire_parametre("dernier_calcul", dernier)
    resultat.sorties = [str(p) for p in rapport.fichiers]


# --- simulation -----------------------------------------------------------------------------------


def comparer_methodes(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Comparer des méthodes » : les scénarios de la feuille « Simulation » passés par
    `execution_simulation.executer_simulation`, comme `iae-modulation simuler`."""
    return _executer("Comparer des méthodes", classeur, _comparer)


CLES_SCENARIO = (
    "nom",
    "fichier",
    "notation",
    "poids_publics",
    "poids_effort",
    "poids_resultats",
    "groupes",
    "plafond",
    "repartition",
    "taux_moyen",
)


def scenarios_de_la_feuille(classeur: c.Classeur) -> list:
    """Les scénarios décrits sous l'en-tête de la feuille « Simulation » (lignes dont la
    colonne « Scénario » est remplie), vérifiés avant tout travail."""
    from iae_modulation.simulation import Scenario

    cellules = classeur.lire_feuille(c.SIMULATION)
    premiere = c.LIGNE_ENTETE_SCENARIOS  # indice de la première ligne sous l'en-tête
    scenarios = []
    for numero, rangee in enumerate(
        cellules[premiere : premiere + c.SCENARIOS_MAX], start=premiere + 1
    ):
        valeurs = {
            cle: _en_texte(valeur)
            for cle, valeur in zip(
                CLES_SCENARIO,
                [*rangee, *[None] * len(CLES_SCENARIO)][: len(CLES_SCENARIO)],
                strict=True,
            )
        }
        if not valeurs["nom"]:
            if any(valeurs.values()):
                raise ErreurAction(
                    f"Feuille « {c.SIMULATION} », ligne {numero} : donnez un nom au scénario "
                    "(colonne « Scénario »), ou videz la ligne."
                )
            continue
        lieu = f"Feuille « {c.SIMULATION} », ligne {numero} (« {valeurs['nom']} »)"
        scenarios.append(Scenario(valeurs["nom"], methode_des_cellules(classeur, lieu, valeurs)))
    if not scenarios:
        raise ErreurAction(
            f"Feuille « {c.SIMULATION} » : aucun scénario. Décrivez au moins une méthode sous "
            "l'en-tête (une ligne par scénario, le premier est la référence)."
        )
    noms = [s.nom for s in scenarios]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ErreurAction(
            f"Feuille « {c.SIMULATION} » : scénarios de même nom ({', '.join(doublons)})."
        )
    return scenarios


def _en_texte(valeur: object) -> str:
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    return "" if valeur is None else str(valeur).strip()


def lignes_simulation(simulation) -> tuple[list[list[object]], list[str | None]]:
    """Ce que « Comparer des méthodes » écrit sous le tableau des scénarios : un bilan par
    scénario, puis une ligne par structure (taux effectif, montant, rang, écart)."""
    reference = simulation.scenarios[0].nom
    lignes: list[list[object]] = [
        [f"Comparaison du {c.horodatage()} — référence « {reference} »"],
        [
            "Scénario",
            "Total modulé",
            "Taux moyen",
            "Gagnent",
            "Perdent",
            "Solde / référence",
            "Fichier de méthode",
        ],
    ]
    for k, (scenario, ligne) in enumerate(
        zip(simulation.scenarios, simulation.resume_scenarios.itertuples(index=False), strict=True)
    ):
        lignes.append(
            [
                scenario.nom,
                ligne.total,
                ligne.taux_moyen,
                ligne.gagnent if k else None,
                ligne.perdent if k else None,
                (ligne.gains + ligne.pertes) if k else None,
                scenario.fichier,
            ]
        )
    lignes.append([])
    entete = ["N° d'annexe financière", "Raison sociale", "Type", "Département", "Montant socle"]
    for k, nom in enumerate(s.nom for s in simulation.scenarios):
        entete += [f"{nom} — taux effectif", f"{nom} — montant modulé", f"{nom} — rang"]
        if k:
            entete.append(f"{nom} — écart / {reference}")
    lignes.append([*entete])
    table = simulation.structures
    colonnes = ["identifiant", "raison_sociale", "type", "departement", "montant_socle"]
    for k in range(len(simulation.scenarios)):
        colonnes += [f"taux_{k}", f"montant_{k}", f"rang_{k}"] + ([f"ecart_{k}"] if k else [])
    # colonne par colonne : lire une cellule à la fois d'une table pandas est bien plus lent
    valeurs = [table[col].tolist() for col in colonnes]
    lignes += [list(ligne) for ligne in zip(*valeurs, strict=True)]
    formats: list[str | None] = [
        None,
        c.FORMAT_EUROS,
        c.FORMAT_POURCENT,
        None,
        None,
        c.FORMAT_EUROS,
    ]
    return lignes, formats


def _comparer(classeur: c.Classeur, resultat: ResultatAction) -> None:
    from iae_modulation.execution_simulation import executer_simulation
    from iae_modulation.simulation import NOM_SIMULATION

    annee = _annee(classeur)
    scenarios = scenarios_de_la_feuille(classeur)
    precedent = _precedent(classeur)
    base, horodatage, instantane, enveloppes = _entrees_du_calcul(classeur)
    resultat.entrees = [str(instantane), f"année {annee}"]
    resultat.entrees += [f"scénario « {s.nom} »" for s in scenarios]
    resultat.entrees += [str(p) for p in (enveloppes, precedent) if p is not None]
    rapport = executer_simulation(
        instantane,
        annee,
        scenarios,
        base / f"simulation-{annee}-{horodatage}",
        enveloppes=enveloppes,
        precedent=precedent,
        dossier_parametres=dossier_parametres(classeur),
    )
    resultat.message = rapport.resume()
    if rapport.simulation is None or rapport.sortie is None:
        resultat.code = rapport.code_sortie or CODE_ERREUR
        return
    resultat.message += (
        f"\nPour retenir un scénario dans ce classeur : feuille « {c.PARAMETRES} », « Fichier "
        "de méthode » = son fichier methode_….yaml dans le dossier de la simulation, puis "
        "« Calculer la modulation »."
    )
    lignes, formats = lignes_simulation(rapport.simulation)
    classeur.ecrire_lignes(c.SIMULATION, c.LIGNE_RESULTATS_SIMULATION, lignes, formats)
    resultat.classeur_modifie = True
    resultat.sorties = [str(rapport.sortie / NOM_SIMULATION)] + [
        str(p) for p in rapport.fichiers if p.name != NOM_SIMULATION
    ]
    identifiants = rapport.simulation.structures["identifiant"]
    _avertir(resultat, _avertissement_demonstration(identifiants, "la simulation"))


# --- import des fichiers de l'ASP -----------------------------------------------------------------


def importer_donnees_asp(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Importer les données ASP » : `preparer` (comme `iae-modulation preparer`) sur les
    fichiers nommés dans « Paramètres », puis la table préparée dans « Données SIAE »."""
    return _executer("Importer les données ASP", classeur, _importer_asp)


PARAMETRES_ASP = (
    ("fluxiae_annexes", "FluxIAE des annexes financières"),
    ("bilan_asp", "Bilan annuel de l'ASP"),
    ("fluxiae_structures", "FluxIAE des structures"),
)


def _importer_asp(classeur: c.Classeur, resultat: ResultatAction) -> None:
    from iae_modulation.donnees import COLONNES, cle_en_tete
    from iae_modulation.preparation.execution import executer_preparation

    annee = _annee(classeur)
    chemins = {nom: _texte(classeur, nom) for nom, _ in PARAMETRES_ASP}
    if not chemins["fluxiae_annexes"]:
        choisi = classeur.choisir_fichier("FluxIAE des annexes financières (ASP)")
        if choisi is None:
            raise ErreurAction(
                f"Indiquez le FluxIAE des annexes financières dans la feuille « {c.PARAMETRES} » "
                "(« FluxIAE des annexes financières »)."
            )
        chemins["fluxiae_annexes"] = str(choisi)
        classeur.ecrire_parametre("fluxiae_annexes", str(choisi))
    fichiers = {
        nom: _fichier_du_classeur(classeur, texte) if texte else None
        for nom, texte in chemins.items()
    }
    resultat.entrees = [str(f) for f in fichiers.values() if f] + [f"année {annee}"]
    base = dossier_de_sortie(classeur)
    sortie = base / f"preparation-{annee}-{_horodatage(base)}"
    annexes = _fichier_du_classeur(classeur, chemins["fluxiae_annexes"])
    rapport = executer_preparation(
        annexes,
        annee,
        sortie,
        bilan=fichiers["bilan_asp"],
        structures=fichiers["fluxiae_structures"],
        dossier_parametres=dossier_parametres(classeur),
    )
    preparees = _cellules_du_classeur(rapport.preparation.table())
    noms = [str(nom) for nom in preparees[0]]
    position = {cle_en_tete(nom): j for j, nom in enumerate(noms)}
    entetes = [str(v or "").strip() for v in (classeur.lire_feuille(c.DONNEES) or [[]])[0]]
    positions = [position.get(cle_en_tete(e)) for e in entetes]
    lignes = [[None if j is None else ligne[j] for j in positions] for ligne in preparees[1:]]
    par_nom = {col.nom: col for col in COLONNES}
    natures = [None if j is None else par_nom[noms[j]] for j in positions]
    formats = [
        c.FORMAT_EUROS if col and col.nature == "montant" else "0" if col and col.nature ==
        "effectif" else "0.00" if col and col.numerique else None
        for col in natures
    ]  # fmt: skip
    classeur.effacer_surlignage(c.DONNEES, 2)
    classeur.ecrire_lignes(c.DONNEES, 2, lignes, formats)
    classeur.redimensionner_table(c.DONNEES, c.TABLE_DONNEES, len(lignes))
    absentes = [col.nom for col in COLONNES if col not in natures]
    resultat.sorties = [str(p) for p in rapport.fichiers] + [f"feuille « {c.DONNEES} »"]
    resultat.message = (
        f"{len(lignes)} structure(s) importée(s) dans la feuille « {c.DONNEES} » (les lignes "
        "précédentes sont remplacées).\n" + rapport.resume()
    )
    if absentes:
        resultat.message += (
            f"\nColonnes absentes du tableau du classeur, non importées : {', '.join(absentes)} "
            f"(elles sont dans {rapport.donnees})."
        )


def _fichier_du_classeur(classeur: c.Classeur, texte: str) -> Path:
    """Un fichier nommé dans « Paramètres » : chemin complet, ou relatif au dossier du
    classeur (un classeur envoyé avec ses fichiers les retrouve)."""
    windows = PureWindowsPath(texte)
    if windows.drive or windows.root or PurePosixPath(texte).is_absolute():
        return Path(texte)
    return classeur.chemin.parent.joinpath(*windows.parts)


def _cellules_du_classeur(table: pd.DataFrame) -> list[list[object]]:
    """La table préparée pour une feuille Excel : en-têtes, puis nombres en nombres (lus
    exactement, comme `calculer` les lit) et textes en textes (SIRET et codes gardent leurs
    zéros) ; une valeur que le calcul refusera reste le texte lu (« Vérifier » la signale)."""
    from iae_modulation.donnees import COLONNES, LECTEURS

    lecteurs = {c.nom: LECTEURS[c.nature] for c in COLONNES if c.numerique}
    colonnes = list(table.columns)
    lignes: list[list[object]] = [colonnes]
    for rangee in table.itertuples(index=False):
        lignes.append([_cellule(lecteurs.get(c), v) for c, v in zip(colonnes, rangee, strict=True)])
    return lignes


def _cellule(lire: Callable[[str], Decimal] | None, texte: str) -> object:
    if not texte:
        return None
    if lire is None:
        return texte
    try:
        return lire(texte)
    except ValueError:
        return texte


# --- documents ------------------------------------------------------------------------------------


def generer_decision_asp(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Générer décision ASP » : annexe 5 (`annexe5.executer_annexe5`) pour les départements
    des Paramètres, au taux du dernier calcul."""
    return _executer("Générer décision ASP", classeur, _decision_asp)


def _decision_asp(classeur: c.Classeur, resultat: ResultatAction) -> None:
    from iae_modulation.annexe5 import MESURES, executer_annexe5

    annee, calcul = _annee(classeur), _dernier_calcul(classeur)
    mesure = _texte(classeur, "mesure_annexe5").upper()
    if mesure not in MESURES:
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Mesure (annexe 5) » : « {mesure} » inconnue "
            f"(choisissez {', '.join(MESURES)})."
        )
    departements = [d.strip() for d in _texte(classeur, "departements").split(",") if d.strip()]
    inconnus = [d for d in departements if normaliser_departement(d) is None]
    if inconnus:
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Départements » : {', '.join(inconnus)} inconnu(s)."
        )
    texte_export = _texte(classeur, "export_annexe5")
    export = (
        Path(texte_export)
        if texte_export
        else classeur.choisir_fichier(f"Export extranet {mesure} pour l'annexe 5")
    )
    if export is None:
        raise ErreurAction(
            f"Indiquez le fichier exporté de l'extranet dans la feuille « {c.PARAMETRES} » "
            "(« Export extranet (annexe 5) »)."
        )
    if not Path(export).is_file():
        raise ErreurAction(
            f"Feuille « {c.PARAMETRES} », « Export extranet (annexe 5) » : fichier introuvable "
            f"({export})."
        )
    if not texte_export:
        classeur.ecrire_parametre("export_annexe5", str(export))
    base = dossier_de_sortie(classeur)
    sortie = base / f"annexe5-{mesure}-{annee}-{_horodatage(base)}"
    remplace = [n for n in re.split(r"[,;\s]+", _facultatif(classeur, "remplace_annexe5")) if n]
    resultat.entrees = [
        str(export),
        str(calcul / "resultats.csv"),
        f"mesure {mesure}",
        f"départements {', '.join(departements) or 'tous'}",
    ] + ([f"remplace {', '.join(remplace)}"] if remplace else [])
    rapport = executer_annexe5(
        export,
        mesure,
        annee,
        sortie,
        departements=departements or None,
        resultats=calcul / "resultats.csv",
        signature=_signature(classeur),
        pdf=_oui(classeur, "pdf"),
        dossier_parametres=dossier_parametres(classeur),
        remplace=remplace or None,
    )
    resultat.code = rapport.code_sortie
    resultat.message = f"{_annonce_du_calcul(calcul)}\n{rapport.resume()}"
    if rapport.refus_du_registre:
        resultat.message += (
            f"\nDans le classeur : écrivez le numéro de la décision à remplacer dans « Décisions "
            f"remplacées (annexe 5) » (feuille « {c.PARAMETRES} »), puis cliquez de nouveau ; "
            "le registre qui la tient est retrouvé sans autre réglage."
        )
    resultat.sorties = [str(p) for p in rapport.fichiers]
    if rapport.code_sortie == 0:
        _rapprocher(classeur, calcul, resultat)
    ou = "le dernier calcul"
    _avertir(resultat, _avertissement_demonstration(_identifiants_du_calcul(calcul), ou))


def generer_notifications(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Générer les notifications » : une lettre par structure du dernier calcul (annexe 4)."""
    return _executer("Générer les notifications", classeur, _notifications)


def _notifications(classeur: c.Classeur, resultat: ResultatAction) -> None:
    from iae_modulation.documents.notifications import generer_notifications as notifications

    annee, calcul = _annee(classeur), _dernier_calcul(classeur)
    base = dossier_de_sortie(classeur)
    sortie = base / f"notifications-{annee}-{_horodatage(base)}"
    resultat.entrees = [str(calcul / "resultats.csv")]
    rapport = notifications(
        calcul / "resultats.csv",
        None,
        annee,
        sortie,
        pdf=_oui(classeur, "pdf"),
        signature=_signature(classeur),
        progression=False,
        dossier_parametres=dossier_parametres(classeur),
    )
    resultat.message = f"{_annonce_du_calcul(calcul)}\n{rapport.resume()}"
    resultat.sorties = [str(rapport.sortie)]
    _rapprocher(classeur, calcul, resultat)
    ou = "le dernier calcul"
    _avertir(resultat, _avertissement_demonstration(_identifiants_du_calcul(calcul), ou))


def _rapprocher(classeur: c.Classeur, calcul: Path, resultat: ResultatAction) -> None:
    """Le rapprochement du dernier calcul avec les documents du dossier de sortie, comme
    `iae-modulation rapprocher` : `rapprochement.xlsx` et le bordereau d'envoi (`a_envoyer.xlsx`,
    `a_envoyer.txt`) dans le dossier de sortie ; le message (et donc le journal) dit où."""
    from iae_modulation.parametres import surcharge
    from iae_modulation.rapprochement import NOM_RAPPROCHEMENT, rapprocher
    from iae_modulation.rapprochement.rapport import publier

    base = dossier_de_sortie(classeur)
    with surcharge(dossier_parametres(classeur)):
        rapprochement = rapprocher(base, calcul / "resultats.csv")
    refus = publier(
        rapprochement,
        base / NOM_RAPPROCHEMENT,
        f"renommez-le, ou choisissez un autre dossier de sortie dans « {c.PARAMETRES} »",
    )
    resultat.message += "\n" + rapprochement.en_une_ligne()
    if rapprochement.rapport is not None:
        resultat.sorties.append(str(rapprochement.rapport))
        resultat.message += f"\nRapport du rapprochement : {rapprochement.rapport}"
    if rapprochement.bordereau:
        classeur_envoi, texte_envoi = rapprochement.bordereau
        resultat.sorties += [str(classeur_envoi), str(texte_envoi)]
        resultat.message += (
            f"\nBordereau d'envoi (ce qui part à qui) : {classeur_envoi} et {texte_envoi.name}"
        )
    resultat.message += "".join(f"\n{texte}" for texte in refus)


def ouvrir_dossier_sortie(classeur: c.Classeur | None = None) -> ResultatAction:
    """« Ouvrir le dossier de sortie » (créé s'il n'existe pas encore)."""
    return _executer("Ouvrir le dossier de sortie", classeur, _ouvrir)


def _ouvrir(classeur: c.Classeur, resultat: ResultatAction) -> None:
    dossier = dossier_de_sortie(classeur)
    classeur.ouvrir_dossier(dossier)
    resultat.sorties = [str(dossier)]
    resultat.message = f"Dossier de sortie : {dossier}"


# --- exécution commune ----------------------------------------------------------------------------


def _executer(
    nom: str,
    classeur: c.Classeur | None,
    action: Callable[[c.Classeur, ResultatAction], None],
) -> ResultatAction:
    """Lance l'action, transforme toute erreur en message français, écrit le journal, enregistre.

    Une action refusée ou en échec qui n'a écrit aucune feuille (paramètre invalide, calcul
    préalable absent, fichier refusé) ne touche pas au classeur : ni journal ni enregistrement,
    le message seul ; un `--parametre` de `classeur executer` n'y est donc pas gardé."""
    classeur = classeur or c.classeur_appelant()
    resultat = ResultatAction(nom)
    try:
        action(classeur, resultat)
    except ErreurAction as erreur:
        resultat.code, resultat.message = CODE_DONNEES_INVALIDES, str(erreur)
    except Exception as erreur:  # porte de l'utilisateur : jamais de trace Python à l'écran
        resultat.code, resultat.message = traduire(erreur)
    if resultat.code != CODE_SUCCES and not resultat.classeur_modifie:
        classeur.informer(resultat.message)
        return resultat
    etat = "réussi" if resultat.code == CODE_SUCCES else "échec"
    classeur.ajouter_ligne(
        c.JOURNAL,
        [
            c.horodatage(),
            nom,
            "\n".join(resultat.entrees),
            "\n".join(resultat.sorties),
            f"{etat} : {resultat.message}",
        ],
    )
    classeur.enregistrer()
    classeur.informer(resultat.message)
    return resultat


ACTIONS: dict[str, Callable[[c.Classeur | None], ResultatAction]] = {
    "importer-asp": importer_donnees_asp,
    "verifier": verifier_donnees,
    "calculer": calculer_modulation,
    "comparer": comparer_methodes,
    "decision-asp": generer_decision_asp,
    "notifications": generer_notifications,
    "ouvrir-dossier": ouvrir_dossier_sortie,
}
