"""Données nationales synthétiques au format canonique (docs/conception.md, « Table canonique »).

Sert aux bancs d'essai et aux démonstrations à l'échelle du pays : environ 4 500 SIAE dans les
101 départements (domaine.md, « Scale »), dont la moitié d'ACI. Tout est fictif : raisons
sociales, adresses, SIRET (clé de Luhn valide) et numéros d'annexe au format de l'ASP.

Choix de représentation : la table renvoyée ne contient que des chaînes, écrites comme les
exporterait un agent depuis un Excel français (« 8,40 », « 200936,40 », SIRET et codes en texte).
C'est donc une entrée « brute », à faire passer par la validation de `donnees`, et non une table
déjà validée (où les nombres sont des `Decimal`).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from iae_modulation import mise_en_page, parametres
from iae_modulation.donnees import COLONNES, EFFECTIFS, NOMS_COLONNES
from iae_modulation.ecriture_xlsx import Feuille, Style, ecrire_classeur
from iae_modulation.referentiel import DEPARTEMENT_MAYOTTE, departements
from iae_modulation.sorties import texte_sans_formule

COLONNES_CANONIQUES = NOMS_COLONNES
COLONNES_TEXTE = tuple(c.nom for c in COLONNES if not c.numerique)
COLONNES_EFFECTIFS = EFFECTIFS
FEUILLE = "Données SIAE"

# Part de chaque type parmi les structures (domaine.md : « about half ACI »).
PROPORTIONS_TYPES = {"ACI": 0.50, "AI": 0.20, "EI": 0.18, "ETTI": 0.08, "EITI": 0.04}

# Poids d'un département = population (milliers d'habitants, INSEE, ordre de grandeur 2021)
# × facteur régional. Les facteurs sont un calage, pas une statistique : moins de SIAE par
# habitant en Île-de-France, davantage là où le chômage est plus fort, de sorte
# qu'Auvergne-Rhône-Alpes reste la première région avec ≈ 520 SIAE sur 4 500 (domaine.md).
POIDS_DEPARTEMENTS = {
    "01": 660,
    "02": 530,
    "03": 335,
    "04": 165,
    "05": 141,
    "06": 1100,
    "07": 330,
    "08": 270,
    "09": 155,
    "10": 310,
    "11": 375,
    "12": 280,
    "13": 2050,
    "14": 700,
    "15": 144,
    "16": 352,
    "17": 660,
    "18": 300,
    "19": 240,
    "21": 535,
    "22": 600,
    "23": 116,
    "24": 413,
    "25": 545,
    "26": 520,
    "27": 600,
    "28": 430,
    "29": 920,
    "2A": 160,
    "2B": 182,
    "30": 750,
    "31": 1420,
    "32": 191,
    "33": 1650,
    "34": 1200,
    "35": 1100,
    "36": 218,
    "37": 610,
    "38": 1280,
    "39": 259,
    "40": 420,
    "41": 330,
    "42": 765,
    "43": 228,
    "44": 1450,
    "45": 680,
    "46": 174,
    "47": 330,
    "48": 76,
    "49": 820,
    "50": 495,
    "51": 565,
    "52": 172,
    "53": 307,
    "54": 733,
    "55": 183,
    "56": 760,
    "57": 1045,
    "58": 203,
    "59": 2610,
    "60": 830,
    "61": 280,
    "62": 1460,
    "63": 665,
    "64": 690,
    "65": 230,
    "66": 480,
    "67": 1150,
    "68": 765,
    "69": 1880,
    "70": 235,
    "71": 550,
    "72": 565,
    "73": 440,
    "74": 830,
    "75": 2140,
    "76": 1250,
    "77": 1420,
    "78": 1450,
    "79": 375,
    "80": 570,
    "81": 390,
    "82": 262,
    "83": 1090,
    "84": 560,
    "85": 690,
    "86": 440,
    "87": 372,
    "88": 362,
    "89": 335,
    "90": 141,
    "91": 1310,
    "92": 1630,
    "93": 1660,
    "94": 1410,
    "95": 1250,
    "971": 385,
    "972": 360,
    "973": 285,
    "974": 870,
    "976": 300,
}
FACTEURS_REGIONAUX = {
    "Île-de-France": 0.6,
    "Hauts-de-France": 1.3,
    "Occitanie": 1.2,
    "Grand Est": 1.15,
    "Bretagne": 1.15,
    "Bourgogne-Franche-Comté": 1.15,
    "Nouvelle-Aquitaine": 1.1,
    "Centre-Val de Loire": 1.1,
    "Normandie": 1.1,
    "Pays de la Loire": 1.1,
    "Corse": 1.2,
    "Guadeloupe": 1.4,
    "Martinique": 1.4,
    "Guyane": 1.4,
    "La Réunion": 1.4,
}

# Tailles typiques par type (domaine.md, « Scale » : ACI 7–10 ETP, AI 30–40, EI 2–20) :
# médiane et dispersion (loi log-normale) des ETP conventionnés, bornes en ETP.
TAILLES = {
    "ACI": (8.5, 0.25, 3.0, 25.0),
    "AI": (35.0, 0.30, 8.0, 90.0),
    "EI": (8.0, 0.55, 2.0, 40.0),
    "ETTI": (20.0, 0.40, 5.0, 80.0),
    "EITI": (5.0, 0.50, 1.0, 20.0),
}
# Salariés en insertion par ETP réalisé, et bornes de la part des bénéficiaires de minima.
SALARIES_PAR_ETP = {
    "ACI": (2.0, 3.0),
    "AI": (3.5, 5.0),
    "EI": (1.5, 2.5),
    "ETTI": (3.0, 4.5),
    "EITI": (1.2, 2.0),
}
PART_MINIMA = {
    "ACI": (0.35, 0.85),
    "AI": (0.25, 0.60),
    "EI": (0.20, 0.60),
    "ETTI": (0.15, 0.50),
    "EITI": (0.20, 0.60),
}

PREFIXES = {
    "ACI": ("Chantier", "Atelier", "Jardins", "Ressourcerie", "Recyclerie", "Chantier d'insertion"),
    "AI": ("Association", "Entraide", "Relais Emploi", "Services de proximité", "Coup de main"),
    "EI": ("Entreprise d'insertion", "Bâtiment Solidaire", "Espaces Verts", "Restaurant"),
    "ETTI": ("Intérim", "Tremplin Intérim", "Travail Temporaire", "Passerelle Intérim"),
    "EITI": ("Indépendants Solidaires", "Coopérative d'Indépendants"),
}
QUALIFICATIFS = (
    "Solidaire",
    "Nature & Patrimoine",
    "du Réemploi",
    "Vélo Écologique",
    "des Deux Rives",
    "Bois et Métal",
    "Textile Durable",
    "du Val Fleuri",
    "Maraîchage Bio",
    "Numérique",
    "de l'Étang",
    "des Coteaux",
    "Propreté & Services",
    "du Vieux Moulin",
)
VOIES = ("rue", "avenue", "chemin", "place", "allée", "boulevard", "impasse", "route")
NOMS_VOIES = (
    "des Tanneurs",
    "de la Gare",
    "du Moulin",
    "Jean Jaurès",
    "Victor Hugo",
    "de la République",
    "des Écoles",
    "du Stade",
    "Pasteur",
    "des Tilleuls",
    "de l'Église",
    "du Général de Gaulle",
    "des Artisans",
    "de la Forge",
    "Louise Michel",
    "des Jardins",
)
COMMUNES = (
    "Saint-Martin",
    "Villeneuve",
    "Beaumont",
    "Montigny",
    "Fontaine",
    "Neuville",
    "Bellevue",
    "Saint-Julien",
    "Mont-Saint-Éloi",
    "Châteauneuf",
    "Rochefort",
    "Valmont",
    "Belleville",
    "Sainte-Marie",
    "Champagnac",
    "Lavaur",
    "Pont-l'Abbé",
    "Bourg-Neuf",
)

# Lignes invalides injectées sur demande (bancs d'essai de la validation) : une par motif,
# à tour de rôle, toutes bloquantes pour `donnees.valider`. Le motif de chaque ligne est rangé
# dans `table.attrs["lignes_invalides"]` (index de la ligne -> motif). Pour « identifiant en
# double », la ligne reprend l'identifiant d'une ligne restée valide : la validation signale
# alors les deux lignes.
MOTIFS_INVALIDES = (
    "type inconnu",
    "département inconnu",
    "ETP d'encadrement négatifs",
    "ETP conventionnés non numériques",
    "minima supérieurs aux salariés",
    "sorties dynamiques supérieures aux sorties totales",
    "sorties totales négatives",
    "identifiant vide",
    "identifiant en double",
)


def generer_donnees_nationales(
    nb_structures: int = 4500,
    graine: int = 2026,
    annee: int = 2026,
    part_invalides: float = 0.0,
) -> pd.DataFrame:
    """Table canonique fictive de `nb_structures` SIAE pour la campagne `annee` (données N-1).

    Déterministe pour une graine donnée. `part_invalides` (0 à 1) rend invalide cette part des
    lignes, avec les motifs de `MOTIFS_INVALIDES` ; leurs index et motifs sont dans
    `table.attrs["lignes_invalides"]`.
    """
    if nb_structures < 1:
        raise ValueError("Le nombre de structures doit être au moins 1.")
    if not 0 <= part_invalides <= 1:
        raise ValueError("La part de lignes invalides doit être comprise entre 0 et 1.")
    rng = np.random.default_rng(graine)
    n = nb_structures
    codes = _repartir_departements(n)
    deps = departements()
    proportions = _proportions(annee)
    types = rng.choice(list(proportions), size=n, p=list(proportions.values()))
    liste_types, liste_codes = types.tolist(), codes.tolist()
    annees = (annee - 1 - rng.integers(0, 3, size=n)) % 100

    etp_c = np.empty(n, dtype=np.int64)  # ETP en centièmes, pour rester en entiers
    socle_etp = np.empty(n, dtype=np.int64)  # montant socle par ETP, en centimes
    par_salarie = np.empty(n)
    part_minima = np.empty(n)
    for code_type, (mediane, dispersion, minimum, maximum) in TAILLES.items():
        masque = types == code_type
        tirage = rng.lognormal(np.log(mediane), dispersion, size=masque.sum())
        etp_c[masque] = np.round(np.clip(tirage, minimum, maximum) * 100)
        par_salarie[masque] = rng.uniform(*SALARIES_PAR_ETP[code_type], size=masque.sum())
        part_minima[masque] = rng.uniform(*PART_MINIMA[code_type], size=masque.sum())
        for mayotte in (False, True):
            sous_masque = masque & ((codes == DEPARTEMENT_MAYOTTE) == mayotte)
            if sous_masque.any():
                socle_etp[sous_masque] = _socle_etp_centimes(code_type, annee, mayotte)

    realises_c = np.round(etp_c * rng.uniform(0.85, 1.02, size=n)).astype(np.int64)
    insertion_c = np.round(realises_c * rng.uniform(0.95, 1.0, size=n)).astype(np.int64)
    encadrement_c = _encadrement_centiemes(rng, types, etp_c)
    # ETP en centièmes × euros par ETP = montant en centimes, exact (pas d'arrondi nécessaire).
    socle_c = etp_c * socle_etp // 100
    cofinancement_c = np.where(types == "ACI", socle_c * rng.integers(80, 301, size=n) // 1000, 0)
    penitentiaire = np.isin(types, ("ACI", "EI")) & (rng.random(n) < 0.015)
    cofinancement_c[penitentiaire] = 0

    salaries = np.maximum(1, np.round(realises_c / 100 * par_salarie)).astype(np.int64)
    minima = rng.binomial(salaries, part_minima)
    totales = rng.binomial(salaries, rng.uniform(0.30, 0.55, size=n))
    totales[rng.random(n) < 0.01] = 0
    durables = rng.binomial(totales, rng.uniform(0.08, 0.30, size=n))
    transitions = rng.binomial(totales - durables, rng.uniform(0.10, 0.35, size=n))
    positives = rng.binomial(totales - durables - transitions, rng.uniform(0.05, 0.30, size=n))

    table = pd.DataFrame(
        {
            "identifiant": _identifiants(rng, liste_types, liste_codes, annees),
            "siret": _sirets(rng, n),
            "raison_sociale": _raisons_sociales(rng, liste_types, liste_codes),
            "adresse": _adresses(rng, n),
            "code_postal": _codes_postaux(rng, liste_codes),
            "commune": _choix(rng, COMMUNES, n),
            "type": liste_types,
            "departement": liste_codes,
            "region": [deps[c].region for c in liste_codes],
            "etp_conventionnes": _decimal_fr(etp_c),
            "etp_realises": _decimal_fr(realises_c),
            "montant_socle": _decimal_fr(socle_c),
            "dont_cofinancement_cd": _decimal_fr(cofinancement_c),
            "nb_salaries_insertion": salaries.astype(str),
            "nb_beneficiaires_minima": minima.astype(str),
            "etp_encadrement": _decimal_fr(encadrement_c),
            "etp_insertion": _decimal_fr(insertion_c),
            "sorties_totales": totales.astype(str),
            "sorties_emploi_durable": durables.astype(str),
            "sorties_emploi_transition": transitions.astype(str),
            "sorties_positives": positives.astype(str),
            "milieu_penitentiaire": np.where(penitentiaire, "oui", "non"),
        },
        columns=list(COLONNES_CANONIQUES),
        dtype=str,
    )
    table.attrs["lignes_invalides"] = _injecter_invalides(rng, table, part_invalides)
    for nom, valeurs in _publics_particuliers(rng, salaries).items():
        table[nom] = valeurs
    return table


# Part des salariés en insertion de chaque public particulier (bornes du tirage uniforme).
PARTS_PUBLICS = {
    "nb_residents_qpv": (0.10, 0.35),
    "nb_residents_zrr": (0.0, 0.15),
    "nb_50_ans_et_plus": (0.10, 0.30),
    "nb_deld": (0.10, 0.30),
    "nb_detld": (0.10, 0.35),
    "nb_rqth": (0.03, 0.15),
    "nb_femmes": (0.20, 0.60),
    "nb_moins_26_ans": (0.10, 0.30),
}


def _publics_particuliers(rng: np.random.Generator, salaries: np.ndarray) -> dict[str, np.ndarray]:
    """Publics particuliers parmi les salariés en insertion, tirés après toutes les autres
    colonnes (une graine donne les mêmes valeurs qu'avant leur ajout)."""
    return {
        nom: rng.binomial(salaries, rng.uniform(bas, haut, size=len(salaries))).astype(str)
        for nom, (bas, haut) in PARTS_PUBLICS.items()
    }


def ecrire_csv(table: pd.DataFrame, chemin: Path) -> Path:
    """CSV comme l'enregistre un Excel français : `;`, UTF-8 avec BOM, virgule décimale.

    Un texte qui commence par = + - @ est préfixé d'une apostrophe (pas de formule).
    Écriture atomique : le fichier n'apparaît qu'une fois complet.
    """
    colonnes = list(table.columns)
    valeurs = []
    for nom in colonnes:
        cellules = [v if type(v) is str else _cellule_texte(v) for v in table[nom].tolist()]
        if nom in COLONNES_TEXTE:
            cellules = list(map(texte_sans_formule, cellules))
        valeurs.append(cellules)

    def ecrire(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as flux:
            ecrivain = csv.writer(flux, delimiter=";", lineterminator="\r\n")
            ecrivain.writerow(colonnes)
            ecrivain.writerows(zip(*valeurs, strict=True))

    return _ecrire_atomique(Path(chemin), ecrire)


def ecrire_xlsx(table: pd.DataFrame, chemin: Path, campagne: int | str = "") -> Path:
    """Classeur à une feuille « Données SIAE » : en-têtes canoniques, nombres en cellules
    numériques (valeur exacte du texte décimal), SIRET et codes en texte, jamais de formule ;
    prêt à imprimer (A4, une page de large, pied de page qui nomme la `campagne`). Écrit d'un
    bloc (`ecriture_xlsx`) : une table nationale compte 135 000 cellules.
    """
    colonnes = list(table.columns)
    largeurs = [
        34 if nom in ("raison_sociale", "adresse") else max(12, len(nom) + 2) for nom in colonnes
    ]
    feuille = Feuille(
        FEUILLE,
        largeurs,
        [_TEXTE if nom in COLONNES_TEXTE else 0 for nom in colonnes],
        lignes_figees=1,
        filtre=True,
        impression=mise_en_page.impression(
            largeurs, titre="Données des structures", campagne=campagne, lignes_repetees=(0, 0)
        ),
    )
    feuille.ajouter([(nom, _ENTETE) for nom in colonnes])
    formats = [_ENTIER if nom in COLONNES_EFFECTIFS else _DEUX_DECIMALES for nom in colonnes]
    cellules = [_cellules_xlsx(nom, table[nom].tolist()) for nom in colonnes]
    for ligne in zip(*cellules, strict=True):
        feuille.ajouter(
            [
                (valeur, formats[j] if isinstance(valeur, Decimal) else _TEXTE)
                for j, valeur in enumerate(ligne)
            ]
        )
    return _ecrire_atomique(Path(chemin), lambda tmp: ecrire_classeur(tmp, [feuille], _STYLES_XLSX))


# styles de `ecrire_xlsx` : en-tête, texte, deux décimales, entier (indices 1 à 4)
_STYLES_XLSX = (
    Style(gras=True, fond="DDEBF7"),
    Style(format="@"),
    Style(format="#,##0.00"),
    Style(format="0"),
)
_ENTETE, _TEXTE, _DEUX_DECIMALES, _ENTIER = range(1, 5)


def _proportions(annee: int) -> dict[str, float]:
    """Les types et leurs parts : sans EITI quand les règles de la campagne ne permettent pas
    de les moduler (paramètre daté taux_modulation_max_eiti sans valeur), comme en 2026."""
    try:
        eiti = parametres.en_vigueur("taux_modulation_max_eiti", dt.date(annee, 1, 1)).valeur
    except parametres.ErreurParametre:
        eiti = None
    if eiti is not None:
        return PROPORTIONS_TYPES
    autres = {t: p for t, p in PROPORTIONS_TYPES.items() if t != "EITI"}
    total = sum(autres.values())
    return {t: p / total for t, p in autres.items()}


def _socle_etp_centimes(code_type: str, annee: int, mayotte: bool) -> int:
    """Montant socle par ETP en vigueur au 1er janvier de la campagne (comme `modulation`),
    en centimes ; les montants des arrêtés sont en euros entiers."""
    socle = parametres.montant_socle_etp(code_type, dt.date(annee, 1, 1), mayotte=mayotte)
    return int(socle.nombre * 100)


def _repartir_departements(n: int) -> np.ndarray:
    """Nombre de structures par département au prorata des poids (plus forts restes), au moins
    une par département dès que `n` >= 101 ; renvoie le code de chaque structure."""
    deps = departements()
    codes = np.array(list(deps))
    poids = np.array(
        [POIDS_DEPARTEMENTS[c] * FACTEURS_REGIONAUX.get(deps[c].region, 1.0) for c in codes]
    )
    plancher = 1 if n >= len(codes) else 0
    reste_a_repartir = n - plancher * len(codes)
    quotas = poids / poids.sum() * reste_a_repartir
    effectifs = np.floor(quotas).astype(np.int64)
    manquants = reste_a_repartir - effectifs.sum()
    effectifs[np.argsort(-(quotas - effectifs), kind="stable")[:manquants]] += 1
    return np.repeat(codes, effectifs + plancher)


def _encadrement_centiemes(rng: np.random.Generator, types: np.ndarray, etp_c: np.ndarray):
    """ETP d'encadrement (encadrement technique + accompagnement socioprofessionnel)."""
    bornes = {"ACI": (1.0, 4.0), "AI": (1.5, 5.0), "ETTI": (1.2, 4.0), "EITI": (0.5, 2.0)}
    n = len(types)
    resultat = np.round(np.clip(etp_c * rng.uniform(0.08, 0.25, size=n), 50, None))
    for code_type, (bas, haut) in bornes.items():
        masque = types == code_type
        resultat[masque] = np.round(rng.uniform(bas, haut, size=masque.sum()) * 100)
    return resultat.astype(np.int64)


def _identifiants(rng, types: list[str], codes: list[str], annees: np.ndarray) -> list[str]:
    """N° d'annexe au format ASP : mesure + département sur 3 caractères + année + ordre.

    L'ordre est croissant dans chaque (mesure, département, année), avec de petits écarts.
    """
    prefixes = [f"{t}{c:0>3}{a:02d}" for t, c, a in zip(types, codes, annees.tolist(), strict=True)]
    _, groupe = np.unique(np.array(prefixes), return_inverse=True)
    ordre_tri = np.argsort(groupe, kind="stable")
    tries = groupe[ordre_tri]
    debuts = np.flatnonzero(np.r_[True, tries[1:] != tries[:-1]])
    position = np.arange(len(tries))
    rang = np.empty(len(tries), dtype=np.int64)
    rang[ordre_tri] = position - np.repeat(debuts, np.diff(np.r_[debuts, len(tries)]))
    pas = max(1, min(3, 9999 // (int(rang.max()) + 1)))
    ordres = rang * pas + rng.integers(1, pas + 1, size=len(rang))
    if ordres.max() > 9999:
        raise ValueError("Trop de structures : le numéro d'ordre ASP dépasserait 4 chiffres.")
    return [f"{b}{o:04d}" for b, o in zip(prefixes, ordres.tolist(), strict=True)]


def _sirets(rng: np.random.Generator, n: int) -> list[str]:
    """SIRET de 14 chiffres : SIREN (8 chiffres + clé de Luhn) puis NIC (4 chiffres + clé)."""
    chiffres = rng.integers(0, 10, size=(n, 14))
    chiffres[:, 8] = _cle_luhn(chiffres[:, :8])
    chiffres[:, 13] = _cle_luhn(chiffres[:, :13])
    nombres = chiffres @ (10 ** np.arange(13, -1, -1, dtype=np.int64))
    return [f"{v:014d}" for v in nombres.tolist()]


def _cle_luhn(chiffres: np.ndarray) -> np.ndarray:
    """Chiffre de contrôle de Luhn à ajouter à droite de chaque ligne de `chiffres`."""
    doubles = chiffres[:, ::-1].copy()
    # En partant de la droite, un chiffre sur deux est doublé, à commencer par celui qui
    # précédera la clé.
    doubles[:, ::2] *= 2
    doubles[doubles > 9] -= 9
    return (10 - doubles.sum(axis=1) % 10) % 10


def _raisons_sociales(rng, types: list[str], codes: list[str]) -> list[str]:
    noms = departements()
    tirages = rng.integers(0, 60, size=len(types)).tolist()
    qualificatifs = _choix(rng, QUALIFICATIFS, len(types))
    return [
        f"{PREFIXES[t][k % len(PREFIXES[t])]} {q} ({noms[c].nom})"
        for t, k, q, c in zip(types, tirages, qualificatifs, codes, strict=True)
    ]


def _adresses(rng: np.random.Generator, n: int) -> list[str]:
    numeros = rng.integers(1, 120, size=n).tolist()
    voies = _choix(rng, VOIES, n)
    noms = _choix(rng, NOMS_VOIES, n)
    return [f"{a} {b} {c}" for a, b, c in zip(numeros, voies, noms, strict=True)]


def _codes_postaux(rng: np.random.Generator, codes: list[str]) -> list[str]:
    """Code postal plausible : le département puis trois chiffres (« 200 »/« 202 » en Corse,
    « 971 » à « 976 » suivis de deux chiffres outre-mer)."""
    fins = rng.integers(0, 100, size=len(codes)).tolist()
    debuts = {"2A": "200", "2B": "202"}
    return [
        f"{debuts.get(c, c)}{f:02d}" if len(c) == 3 or c in debuts else f"{c}{f * 10:03d}"
        for c, f in zip(codes, fins, strict=True)
    ]


def _choix(rng: np.random.Generator, valeurs, n: int) -> list[str]:
    return [valeurs[k] for k in rng.integers(0, len(valeurs), size=n).tolist()]


def _decimal_fr(centiemes: np.ndarray) -> list[str]:
    """Entiers positifs en centièmes -> « 1234,56 » (virgule décimale, sans séparateur de
    milliers, comme un CSV enregistré par Excel)."""
    entiers, centiemes = np.divmod(np.asarray(centiemes, dtype=np.int64), 100)
    return [f"{e},{c:02d}" for e, c in zip(entiers.tolist(), centiemes.tolist(), strict=True)]


def _injecter_invalides(rng, table: pd.DataFrame, part: float) -> dict[int, str]:
    nombre = round(len(table) * part)
    if nombre == 0:
        return {}
    index = np.sort(rng.choice(len(table), size=nombre, replace=False))
    intacte = int(np.setdiff1d(np.arange(len(table)), index)[0]) if nombre < len(table) else 0
    motifs = {}
    for k, i in enumerate(index.tolist()):
        motif = MOTIFS_INVALIDES[k % len(MOTIFS_INVALIDES)]
        motifs[i] = motif
        ligne = table.iloc[i]
        if motif == "type inconnu":
            table.iat[i, table.columns.get_loc("type")] = "SIAE"
        elif motif == "département inconnu":
            table.iat[i, table.columns.get_loc("departement")] = "99"
            table.iat[i, table.columns.get_loc("region")] = ""
        elif motif == "ETP d'encadrement négatifs":
            table.iat[i, table.columns.get_loc("etp_encadrement")] = "-" + ligne["etp_encadrement"]
        elif motif == "ETP conventionnés non numériques":
            table.iat[i, table.columns.get_loc("etp_conventionnes")] = "huit et demi"
        elif motif == "minima supérieurs aux salariés":
            table.iat[i, table.columns.get_loc("nb_beneficiaires_minima")] = str(
                int(ligne["nb_salaries_insertion"]) + 3
            )
        elif motif == "sorties dynamiques supérieures aux sorties totales":
            table.iat[i, table.columns.get_loc("sorties_emploi_durable")] = str(
                int(ligne["sorties_totales"]) + 2
            )
        elif motif == "sorties totales négatives":
            table.iat[i, table.columns.get_loc("sorties_totales")] = "-4"
        elif motif == "identifiant vide":
            table.iat[i, table.columns.get_loc("identifiant")] = ""
        else:
            table.iat[i, table.columns.get_loc("identifiant")] = table.iat[intacte, 0]
    return motifs


def _cellules_xlsx(nom: str, valeurs: list) -> list[Decimal | str]:
    """Valeurs d'une colonne pour le classeur : Decimal pour un nombre, texte sinon (« » vide).
    Un même texte (« 0 », « 12 ») n'est lu qu'une fois par colonne."""
    if nom in COLONNES_TEXTE:
        return [v if type(v) is str else _cellule_texte(v) for v in valeurs]
    lus: dict[str, Decimal | str] = {}
    cellules = []
    for valeur in valeurs:
        cellule = lus.get(valeur) if type(valeur) is str else None
        if cellule is None:
            nombre = _nombre(valeur)
            cellule = _cellule_texte(valeur) if nombre is None else nombre
            if type(valeur) is str:
                lus[valeur] = cellule
        cellules.append(cellule)
    return cellules


def _cellule_texte(valeur: object) -> str:
    if valeur is None or (isinstance(valeur, float) and valeur != valeur):
        return ""
    if isinstance(valeur, Decimal):
        return str(valeur).replace(".", ",")
    return str(valeur)


def _nombre(valeur: object) -> Decimal | None:
    """Le nombre d'une cellule texte « 1234,56 » ; None si ce n'en est pas un (texte conservé)."""
    if isinstance(valeur, Decimal):
        return valeur
    try:
        nombre = Decimal(str(valeur).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return nombre if nombre.is_finite() else None


def _ecrire_atomique(chemin: Path, ecrire: Callable[[Path], object]) -> Path:
    """Écrit dans un fichier temporaire voisin puis le renomme (jamais de fichier incomplet)."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    temporaire = chemin.with_name(f".{chemin.stem}-{uuid.uuid4().hex}{chemin.suffix}")
    try:
        ecrire(temporaire)
        os.replace(temporaire, chemin)
    except BaseException:
        temporaire.unlink(missing_ok=True)
        raise
    return chemin
