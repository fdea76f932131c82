"""Scores, taux et montants modulés (note DGEFP 2014-04 ; méthode par défaut du design).

- Taux de 0 à 10 % du montant socle (R. 5132-8, R. 5132-10-12, R. 5132-23, R. 5132-37 du code du
  travail), pondéré publics 35 %, efforts 40 %, résultats 25 % (note 2014-04, annexe 2).
- Comparaison dans le groupe (type de SIAE, région) : « attribué au niveau régional aux structures
  en fonction des résultats obtenus comparativement aux autres structures de la même catégorie ».
- 2014 : 5 % forfaitaire ; milieu pénitentiaire : 5 % fixe ; enveloppes régionales ; régularisation
  en 2015 des postes 2014 non réalisés (note 2014-04).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from iae_modulation import parametres
from iae_modulation.donnees import Anomalie, DonneesSIAE, RapportValidation
from iae_modulation.formats import arrondi_centime, nombre_fr, taux_fr
from iae_modulation.indicateurs import (
    CRITERES,
    LIBELLES,
    MOTIFS_NON_CALCULABLE,
    Indicateur,
    Ratio,
    fractions_a_4_decimales,
)
from iae_modulation.indicateurs import calculer_indicateurs as _indicateurs
from iae_modulation.referentiel import DEPARTEMENT_MAYOTTE
from iae_modulation.resultats import COLONNES_RESULTATS

METHODES = ("rang", "minmax")
# Instruction DGEFP 2014-2, § 1 : aide au poste au 1er juillet 2014 pour les AI et les ACI.
DEBUT_AIDE_AU_POSTE = {"AI": dt.date(2014, 7, 1), "ACI": dt.date(2014, 7, 1)}


class ErreurCalcul(Exception):
    """Calcul impossible (option ou paramètre manquant) ; message en français."""


@dataclass(frozen=True)
class OptionsCalcul:
    """Options d'une campagne : ce sont des choix de l'agent, consignés dans le manifeste."""

    annee: int
    methode: str = "rang"
    enveloppes: dict[str, Decimal] | None = None
    versements_2014: dict[str, Decimal] | None = None

    def __post_init__(self) -> None:
        if self.methode not in METHODES:
            raise ErreurCalcul(
                f"Méthode « {self.methode} » inconnue : choisissez {' ou '.join(METHODES)}."
            )
        if self.versements_2014 is not None and self.annee != 2015:
            raise ErreurCalcul(
                "La régularisation des versements 2014 ne s'applique qu'à la campagne 2015 "
                f"(campagne demandée : {self.annee})."
            )


@dataclass
class CalculModulation:
    """Résultat d'un calcul : une ligne par structure, le bilan des enveloppes, les paramètres."""

    resultats: pd.DataFrame
    enveloppes: pd.DataFrame
    parametres: list[dict]
    rapport: RapportValidation
    avertissements: list[str] = field(default_factory=list)


# --- scores ------------------------------------------------------------------------------------
# Un score est un rationnel exact (numérateur, dénominateur) : les ex-æquo sont de vrais ex-æquo
# et l'arrondi du taux ne dépend d'aucune approximation binaire. Les ratios sont ordonnés par
# leur valeur flottante, correctement arrondie (int / int) : deux ratios égaux ont le même
# flottant, et deux ratios distincts de données réalistes (dénominateurs < 10^7) en ont deux.

Score = tuple[int, int]
NEUTRE: Score = (1, 2)


def _flottant(valeur: Ratio) -> float:
    return valeur[0] / valeur[1]


def _scores_rang(valeurs: list[Ratio | None]) -> list[Score]:
    """(r - 1) / (n - 1), r = rang croissant, ex-æquo moyennés ; n = 1 donne 0,5."""
    tries = sorted(_flottant(v) for v in valeurs if v is not None)
    n = len(tries)
    if n <= 1:
        return [NEUTRE] * len(valeurs)
    scores = []
    for v in valeurs:
        if v is None:
            scores.append(NEUTRE)
            continue
        cle = _flottant(v)
        inferieurs = bisect_left(tries, cle)
        egaux = bisect_right(tries, cle) - inferieurs
        scores.append((2 * inferieurs + egaux - 1, 2 * (n - 1)))
    return scores


def _scores_minmax(valeurs: list[Ratio | None]) -> list[Score]:
    """(v - min) / (max - min) ; max = min donne 0,5."""
    calculables = [v for v in valeurs if v is not None]
    if not calculables:
        return [NEUTRE] * len(valeurs)
    (c, d), (e, f) = min(calculables, key=_flottant), max(calculables, key=_flottant)
    ecart_n, ecart_d = e * d - c * f, f * d
    if ecart_n == 0:
        return [NEUTRE] * len(valeurs)
    return [
        NEUTRE if v is None else ((v[0] * d - c * v[1]) * ecart_d, v[1] * d * ecart_n)
        for v in valeurs
    ]


def scores_du_groupe(valeurs: list[Ratio | None], methode: str) -> list[Score]:
    """Scores de tout un groupe d'un coup ; non calculable -> 0,5 (neutre)."""
    return _scores_rang(valeurs) if methode == "rang" else _scores_minmax(valeurs)


def score_dans_le_groupe(valeur: float, valeurs: Sequence[float], methode: str) -> Score:
    """Score d'UNE valeur parmi les valeurs calculables de son groupe, elle comprise (design,
    « méthode de modulation par défaut ») : le même que `scores_du_groupe`, sans scorer le groupe.

    Un double est un rationnel exact et deux doubles se comparent exactement : pour `rang`,
    compter les valeurs inférieures et égales suffit, (r - 1) / (n - 1) avec r moyen des ex-æquo ;
    pour `minmax`, seuls la valeur, le minimum et le maximum passent en rationnels exacts
    (`float.as_integer_ratio`). ValueError si la valeur n'est pas dans le groupe.
    """
    if methode == "rang":
        tries = sorted(valeurs)
        inferieurs = bisect_left(tries, valeur)
        egaux = bisect_right(tries, valeur) - inferieurs
        if not egaux:
            raise ValueError("valeur absente de son groupe")
        n = len(tries)
        return NEUTRE if n == 1 else (2 * inferieurs + egaux - 1, 2 * (n - 1))
    if valeur not in valeurs:
        raise ValueError("valeur absente de son groupe")
    minimum, maximum = min(valeurs), max(valeurs)
    if minimum == maximum:
        return NEUTRE
    (a, b), (c, d), (e, f) = (
        valeur.as_integer_ratio(),
        minimum.as_integer_ratio(),
        maximum.as_integer_ratio(),
    )
    ecart_n, ecart_d = e * d - c * f, f * d
    return ((a * d - c * b) * ecart_d, b * d * ecart_n)


# --- taux et montants --------------------------------------------------------------------------


def arrondi_exact(numerateur: int, denominateur: int, decimales: int) -> Decimal:
    """Arrondi exact, moitié vers le haut, d'un rationnel positif."""
    echelle = 10**decimales
    return Decimal((2 * numerateur * echelle + denominateur) // (2 * denominateur)).scaleb(
        -decimales
    )


@dataclass(frozen=True)
class Ponderation:
    """taux_max et poids des trois critères, en rationnels exacts, en vigueur à une date."""

    taux_max: Ratio
    poids: tuple[Ratio, Ratio, Ratio]

    @classmethod
    def en_vigueur(cls, jour: dt.date, lire=None) -> Ponderation:
        lire = lire or parametres.valeur
        return cls(
            Decimal(lire("taux_modulation_max", jour).valeur).as_integer_ratio(),
            tuple(Decimal(lire(f"poids_{c}", jour).valeur).as_integer_ratio() for c in CRITERES),
        )

    def taux_exact(self, scores):
        """taux_max × Σ poids × score en rationnel exact (numérateur, dénominateur) ; marche pour
        des entiers comme pour des tableaux numpy d'entiers Python (toute une table d'un coup)."""
        numerateur, denominateur = 0, 1
        for (poids_n, poids_d), (score_n, score_d) in zip(self.poids, scores, strict=True):
            numerateur = numerateur * poids_d * score_d + poids_n * score_n * denominateur
            denominateur = denominateur * poids_d * score_d
        return self.taux_max[0] * numerateur, self.taux_max[1] * denominateur

    def taux(self, scores: tuple[Score, Score, Score]) -> Decimal:
        """Le taux d'une structure, arrondi à 4 décimales (0,01 point), moitié vers le haut."""
        return arrondi_exact(*self.taux_exact(scores), 4)


def montant_module(socle: Decimal, taux: Decimal) -> Decimal:
    """montant socle × taux, arrondi au centime (moitié vers le haut)."""
    return arrondi_centime(Decimal(socle) * Decimal(taux))


def deduction_regularisation(
    verse_2014: Decimal, etp_conventionnes: Decimal, etp_realises: Decimal
) -> Decimal:
    """Montant modulé 2014 versé pour les postes non réalisés (note 2014-04) :
    versé × max(0, conventionnés - réalisés) / conventionnés, au centime."""
    non_realises = max(Decimal(0), etp_conventionnes - etp_realises)
    return arrondi_centime(verse_2014 * non_realises / etp_conventionnes)


def appliquer_enveloppe(montants: list[Decimal], enveloppe: Decimal) -> list[Decimal]:
    """Réduit proportionnellement des montants dont la somme dépasse l'enveloppe, chacun arrondi
    au centime INFÉRIEUR : la somme ne dépasse jamais l'enveloppe."""
    total = sum(montants, Decimal(0))
    if total <= enveloppe:
        return list(montants)
    total_c, enveloppe_c = int(total * 100), int(enveloppe * 100)
    return [Decimal(int(m * 100) * enveloppe_c // total_c).scaleb(-2) for m in montants]


def date_de_reference(annee: int, type_siae: str) -> dt.date:
    """1er janvier de l'année de campagne, ou début de l'aide au poste s'il est postérieur."""
    return max(dt.date(annee, 1, 1), DEBUT_AIDE_AU_POSTE.get(type_siae, dt.date.min))


# --- calcul d'une campagne ---------------------------------------------------------------------


class _Parametres:
    """Lit les paramètres en vigueur et garde la trace de ceux utilisés (pour le manifeste)."""

    def __init__(self) -> None:
        self.utilises: dict[tuple[str, dt.date], parametres.ValeurParametre] = {}

    def noter(self, valeur: parametres.ValeurParametre) -> parametres.ValeurParametre:
        self.utilises[(valeur.nom, valeur.debut)] = valeur
        return valeur

    def valeur(self, nom: str, jour: dt.date) -> parametres.ValeurParametre:
        return self.noter(parametres.valeur(nom, jour))

    def socle_etp(self, type_siae: str, jour: dt.date, mayotte: bool) -> parametres.ValeurParametre:
        return self.noter(parametres.montant_socle_etp(type_siae, jour, mayotte=mayotte))


def _colonne(table: pd.DataFrame, nom: str) -> list:
    return list(table[nom]) if nom in table.columns else [None] * len(table)


def _montants_socles(
    table: pd.DataFrame, annee: int, params: _Parametres
) -> tuple[list[Decimal], list[list[str]]]:
    """Montant socle de chaque ligne : celui de l'annexe financière, sinon ETP × socle par ETP
    en vigueur (proratisé sur six mois pour les AI et ACI en 2014). Un montant fourni hors de
    [50 %, 110 %] de ETP × socle par ETP est signalé (faute de frappe probable), sans bloquer."""
    socles, notes = [], []
    bornes: dict = {}  # (type, Mayotte) -> (jour, mois, socle par ETP, bas, haut) ou None
    for type_siae, dep, socle, etp in zip(
        table["type"],
        table["departement"],
        _colonne(table, "montant_socle"),
        _colonne(table, "etp_conventionnes"),
        strict=True,
    ):
        cle = (type_siae, dep == DEPARTEMENT_MAYOTTE)
        if cle not in bornes:
            bornes[cle] = _socle_par_etp(annee, *cle)
        if socle is not None:
            socles.append(arrondi_centime(socle))
            notes.append(_vraisemblance(socle, etp, bornes[cle]))
            continue
        jour = date_de_reference(annee, type_siae)
        mois = 12 - jour.month + 1 if annee == 2014 else 12
        par_etp = params.socle_etp(type_siae, jour, cle[1])
        socles.append(arrondi_centime(etp * par_etp.valeur * mois / 12))
        note = (
            f"montant socle calculé : {nombre_fr(etp)} ETP × {nombre_fr(par_etp.valeur, 0)} € "
            f"par ETP" + (f" × {mois}/12" if mois != 12 else "")
        )
        if not par_etp.verifie:
            note += f" (montant par ETP NON VÉRIFIÉ : {par_etp.note or par_etp.reference_titre})"
        notes.append([note])
    return socles, notes


def _socle_par_etp(annee: int, type_siae: str, mayotte: bool) -> tuple | None:
    """(socle annuel par ETP sur la période, borne basse, borne haute) par ETP, ou None si le
    montant par ETP n'est pas connu."""
    jour = date_de_reference(annee, type_siae)
    mois = 12 - jour.month + 1 if annee == 2014 else 12
    try:
        par_etp = parametres.montant_socle_etp(type_siae, jour, mayotte=mayotte).valeur
    except parametres.ErreurParametre:
        return None
    periode = par_etp * mois / 12
    return par_etp, periode / 2, periode * Decimal("1.1")


def _vraisemblance(socle: Decimal, etp: Decimal | None, bornes: tuple | None) -> list[str]:
    """Remarque si le montant socle fourni est très éloigné de ETP × socle par ETP."""
    if not etp or bornes is None or bornes[1] * etp <= socle <= bornes[2] * etp:
        return []
    par_etp, bas, _ = bornes
    return [
        f"montant socle de {nombre_fr(socle)} € éloigné de {nombre_fr(etp)} ETP × "
        f"{nombre_fr(par_etp, 0)} € = {nombre_fr(bas * 2 * etp)} € : à vérifier"
    ]


def _scores_vectorises(
    groupes: np.ndarray, indicateur: Indicateur, methode: str
) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """Scores exacts (numérateurs, dénominateurs en entiers) de toutes les structures comparées,
    groupe par groupe, plus ce qu'il faut pour la justification (rang et effectif, ou min/max)."""
    cles = pd.Series(indicateur.cles)
    par_groupe = cles.groupby(groupes)
    effectif = par_groupe.transform("count")
    valides = indicateur.calculable & (effectif.to_numpy() > 1)
    numerateurs = np.full(len(cles), NEUTRE[0], dtype=object)
    denominateurs = np.full(len(cles), NEUTRE[1], dtype=object)
    if methode == "rang":
        rangs = par_groupe.rank(method="average")
        doubles = (2 * rangs.fillna(1) - 2).astype("int64").to_numpy().astype(object)
        numerateurs[valides] = doubles[valides]
        denominateurs[valides] = (2 * (effectif.to_numpy() - 1)).astype(object)[valides]
        return numerateurs, denominateurs, rangs, effectif
    calculables = cles[indicateur.calculable]
    grouper = calculables.groupby(groupes[indicateur.calculable])
    bornes = pd.DataFrame(
        {"min": grouper.transform("idxmin"), "max": grouper.transform("idxmax")}
    ).reindex(cles.index, fill_value=0)
    p, q = indicateur.numerateurs, indicateur.denominateurs
    p_min, q_min = p[bornes["min"].to_numpy()], q[bornes["min"].to_numpy()]
    p_max, q_max = p[bornes["max"].to_numpy()], q[bornes["max"].to_numpy()]
    ecart_n, ecart_d = p_max * q_min - p_min * q_max, q_max * q_min
    valides &= (ecart_n != 0).astype(bool)
    ecart_n = np.where(valides, ecart_n, 1)
    numerateurs[valides] = ((p * q_min - p_min * q) * ecart_d)[valides]
    denominateurs[valides] = (q * q_min * ecart_n)[valides]
    minimum = pd.Series(cles.to_numpy()[bornes["min"].to_numpy()])
    maximum = pd.Series(cles.to_numpy()[bornes["max"].to_numpy()])
    return numerateurs, denominateurs, minimum, maximum


def _textes_critere(libelle, indicateur, scores, rang, extra_1, extra_2) -> list[str]:
    """« Publics 42.0 % — rang 12/30 — score 0.3790 » (rang croissant : 1 = plus faible) ou
    « … — min 10.0 % / max 80.0 % — … » ; « Publics non calculable — score neutre 0.5 ».
    Points décimaux : la justification entière passe ensuite à la virgule française."""
    neutre = f"{libelle} non calculable — score neutre 0.5"
    if rang:
        return [
            f"{libelle} {c * 100:.1f}\u00a0% — rang {r:g}/{n} — score {s:f}" if ok else neutre
            for c, r, n, s, ok in zip(
                indicateur.cles, extra_1, extra_2, scores, indicateur.calculable, strict=True
            )
        ]
    return [
        f"{libelle} {c * 100:.1f}\u00a0% — min {a * 100:.1f}\u00a0% / max {b * 100:.1f}\u00a0% — "
        f"score {s:f}"
        if ok
        else neutre
        for c, a, b, s, ok in zip(
            indicateur.cles, extra_1, extra_2, scores, indicateur.calculable, strict=True
        )
    ]


def _taux_compares(
    table: pd.DataFrame, indicateurs: dict, options: OptionsCalcul, params: _Parametres
) -> tuple[dict, dict, dict]:
    """Scores (affichés à 4 décimales), taux et justification des structures comparées dans
    leur groupe (type, région), calculés d'un bloc pour toute la table."""
    ponderation = Ponderation.en_vigueur(dt.date(options.annee, 1, 1), params.valeur)
    comparees = np.flatnonzero(~table["milieu_penitentiaire"].to_numpy(dtype=bool))
    sous_table = table.iloc[comparees]
    groupes = sous_table.groupby(["type", "region"], sort=False).ngroup().to_numpy()
    effectifs = np.bincount(groupes)[groupes]
    scores, textes, exacts = {}, [], []
    for critere in CRITERES:
        indicateur = indicateurs[critere].sous_ensemble(comparees)
        sn, sd, extra_1, extra_2 = _scores_vectorises(groupes, indicateur, options.methode)
        exacts.append((sn, sd))
        affiches = fractions_a_4_decimales(sn, sd, np.ones(len(sn), dtype=bool))
        scores[critere] = dict(zip(comparees, affiches, strict=True))
        textes.append(
            _textes_critere(
                LIBELLES[critere], indicateur, affiches, options.methode == "rang", extra_1, extra_2
            )
        )
    taux_n, taux_d = ponderation.taux_exact(exacts)
    taux_affiches = fractions_a_4_decimales(taux_n, taux_d, np.ones(len(comparees), dtype=bool))
    taux = dict(zip(comparees, taux_affiches, strict=True))
    justifs = {
        i: f"{a} ; {b} ; {c}".replace(".", ",") + f" (groupe de {n} {t})"
        for i, a, b, c, n, t in zip(comparees, *textes, effectifs, sous_table["type"], strict=True)
    }
    return scores, taux, justifs


def _taux_penitentiaire(annee: int, params: _Parametres, identifiants) -> Decimal:
    """Taux fixe des structures en milieu pénitentiaire ; refus clair s'il n'est pas en vigueur
    (SIAE en détention créées par le décret n° 2016-531)."""
    try:
        return params.valeur("taux_milieu_penitentiaire", dt.date(annee, 1, 1)).valeur
    except parametres.ErreurParametre as erreur:
        raise ErreurCalcul(
            f"Structure(s) en milieu pénitentiaire ({', '.join(identifiants)}) : {erreur} "
            f"Vérifiez la colonne milieu_penitentiaire pour la campagne {annee}."
        ) from None


def calculer_modulation(donnees: DonneesSIAE, options: OptionsCalcul) -> CalculModulation:
    """Taux, montant modulé, enveloppe et régularisation de chaque structure valide."""
    # colonnes en objets Python : parcourir une colonne de texte pandas est bien plus lent
    table = donnees.table.reset_index(drop=True).astype(object)
    lignes = range(len(table))
    params = _Parametres()
    rapport = RapportValidation(list(donnees.rapport.anomalies))
    indicateurs = _indicateurs(table)
    socles, notes = _montants_socles(table, options.annee, params)
    notes_par_index = dict(zip(lignes, notes, strict=True))
    par_ligne = dict(zip(table["ligne_source"], table.index, strict=True))
    for anomalie in donnees.rapport.anomalies:
        meme_fichier = anomalie.fichier == Path(donnees.fichier).name
        if not anomalie.bloquante and meme_fichier and anomalie.ligne in par_ligne:
            notes_par_index[par_ligne[anomalie.ligne]].append(anomalie.message)

    scores: dict = {c: {} for c in CRITERES}
    taux: dict = {}
    justifs: dict = {}
    methodes: dict = {}
    if options.annee == 2014:
        forfait = params.valeur("taux_forfaitaire_2014", dt.date(2014, 1, 1)).valeur
        for i in lignes:
            taux[i], methodes[i] = forfait, "forfait 2014"
            justifs[i] = f"Année 2014 : taux forfaitaire de {taux_fr(forfait)} (note DGEFP 2014-04)"
    else:
        scores, taux, justifs = _taux_compares(table, indicateurs, options, params)
        methodes = dict.fromkeys(taux, options.methode)
        penitentiaires = table.index[table["milieu_penitentiaire"]]
        if len(penitentiaires):
            fixe = _taux_penitentiaire(options.annee, params, table["identifiant"][penitentiaires])
        for i in penitentiaires:
            taux[i], methodes[i] = fixe, "milieu pénitentiaire"
            justifs[i] = f"Milieu pénitentiaire : taux fixe de {taux_fr(fixe)}"
        for i, penitentiaire in enumerate(table["milieu_penitentiaire"]):
            for critere in CRITERES:
                if not indicateurs[critere].calculable[i] and not penitentiaire:
                    notes_par_index[i].append(
                        f"{LIBELLES[critere]} non calculable ({MOTIFS_NON_CALCULABLE[critere]}) : "
                        "score neutre 0,5"
                    )

    modules = {i: montant_module(s, taux[i]) for i, s in zip(lignes, socles, strict=True)}
    bilan = _appliquer_enveloppes(table, modules, options, notes_par_index)
    regul, nets, restes = _regulariser(table, modules, options, notes_par_index, rapport)

    resultats = pd.DataFrame(
        {
            "identifiant": table["identifiant"],
            "siret": table["siret"],
            "raison_sociale": table["raison_sociale"],
            "type": table["type"],
            "departement": table["departement"],
            "region": table["region"],
            **{c: indicateurs[c].affiches() for c in CRITERES},
            **{f"score_{c}": [scores[c].get(i) for i in lignes] for c in CRITERES},
            "taux_modulation": [taux[i] for i in lignes],
            "montant_socle": socles,
            "montant_module": [modules[i] for i in lignes],
            "regularisation": [regul.get(i) for i in lignes],
            "montant_net": [nets[i] for i in lignes],
            "reste_a_deduire": [restes.get(i) for i in lignes],
            "methode": [methodes[i] for i in lignes],
            "justification": [justifs[i] for i in lignes],
            "anomalies": [" ; ".join(notes_par_index[i]) for i in lignes],
        },
        index=table.index,
    )[list(COLONNES_RESULTATS)]
    parametres_utilises = [v.vers_dict() for v in params.utilises.values()]
    avertissements = [
        f"Paramètre non vérifié utilisé : {v.nom} au {v.debut:%d/%m/%Y} ({v.note})"
        for v in params.utilises.values()
        if not v.verifie
    ]
    return CalculModulation(resultats, bilan, parametres_utilises, rapport, avertissements)


def _appliquer_enveloppes(
    table: pd.DataFrame,
    modules: dict,
    options: OptionsCalcul,
    notes: dict,
) -> pd.DataFrame:
    """Enveloppes régionales : réduction proportionnelle, au centime inférieur ; le reliquat
    non utilisé est rapporté."""
    lignes = []
    for region, groupe in table.groupby("region", sort=True):
        index = list(groupe.index)
        total = sum((modules[i] for i in index), Decimal(0))
        enveloppe = (options.enveloppes or {}).get(region)
        if enveloppe is None:
            lignes.append((region, None, total, total, None))
            continue
        reduits = appliquer_enveloppe([modules[i] for i in index], enveloppe)
        if total > enveloppe:
            coefficient = nombre_fr(enveloppe / total, 4)
            for i, montant in zip(index, reduits, strict=True):
                notes[i].append(
                    f"réduit par l'enveloppe régionale (coefficient {coefficient}) : "
                    f"{nombre_fr(modules[i])} € -> {nombre_fr(montant)} €"
                )
                modules[i] = montant
        apres = sum(reduits, Decimal(0))
        lignes.append((region, enveloppe, total, apres, enveloppe - apres))
    return pd.DataFrame(
        lignes,
        columns=["region", "enveloppe", "total_avant_enveloppe", "total_module", "reliquat"],
    )


def _regulariser(
    table: pd.DataFrame,
    modules: dict,
    options: OptionsCalcul,
    notes: dict,
    rapport: RapportValidation,
) -> tuple[dict, dict, dict]:
    """Régularisation 2015 : déduction du montant modulé 2014 versé pour des postes non réalisés ;
    le net n'est jamais négatif, le reste à déduire est rapporté."""
    if options.versements_2014 is None:
        return {}, dict(modules), {}
    regul, nets, restes = {}, {}, {}
    for i, ident, conv, real in zip(
        table.index,
        table["identifiant"],
        _colonne(table, "etp_conventionnes"),
        _colonne(table, "etp_realises"),
        strict=True,
    ):
        verse = options.versements_2014.get(ident)
        nets[i] = modules[i]
        if verse is None:
            continue
        if not conv or real is None:
            rapport.anomalies.append(
                Anomalie(
                    fichier="données",
                    feuille=None,
                    ligne=int(table.at[i, "ligne_source"]),
                    colonne="etp_realises",
                    valeur="",
                    message=f"{ident} : etp_conventionnes et etp_realises sont nécessaires pour "
                    "régulariser le versement 2014.",
                )
            )
            continue
        deduction = deduction_regularisation(verse, conv, real)
        regul[i] = deduction
        nets[i] = max(Decimal(0), modules[i] - deduction)
        reste = deduction - (modules[i] - nets[i])
        if reste > 0:
            restes[i] = reste
            notes[i].append(f"reste à déduire sur un prochain versement : {nombre_fr(reste)} €")
    return regul, nets, restes
