"""Scores, taux et montants modulés (note DGEFP 2014-04 ; méthode par défaut du design).

- Taux de 0 au plafond fixé par arrêté (`taux_modulation_max`, 10 %) du montant socle, pondéré
  par défaut publics 35 %, efforts 40 %, résultats 25 % (note 2014-04, annexe 2, « pour 2015 »).
- Comparaison dans le groupe (type de SIAE, région) : chaque structure est classée parmi celles de
  sa catégorie dans sa région (la note 2014-04 demande de collecter les données de toutes les
  structures d'un même type d'une région avant le calcul) ; chacune avec son plafond (`regles`).
- 2014 : 5 % forfaitaire ; milieu pénitentiaire et EITI selon les règles datées (`regles.py`) ;
  enveloppes régionales ; régularisation en 2015 des postes 2014 non réalisés (note 2014-04,
  `regularisation.py`).

Le résultat est le grand livre de la campagne (`resultats.py`) : une ligne par structure, du
montant socle au montant net à verser, d'où viennent tous les montants des documents.
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
from iae_modulation.formats import arrondi_centime, montant_fr, nombre_fr, taux_fr
from iae_modulation.indicateurs import (
    CRITERES,
    LIBELLES,
    MOTIFS_NON_CALCULABLE,
    Indicateur,
    Ratio,
    fractions_a_4_decimales,
    sorties_dynamiques,
)
from iae_modulation.indicateurs import calculer_indicateurs as _indicateurs
from iae_modulation.montants import montant_module, montant_reduit, taux_effectif
from iae_modulation.referentiel import ANNEE_FORFAIT, DEPARTEMENT_MAYOTTE
from iae_modulation.regles import REGLE_TAUX_FIXE, ReglesDatees
from iae_modulation.regularisation import ANNEE_REGULARISATION, Versement2014, regulariser
from iae_modulation.resultats import (
    COLONNES_IDENTITE,
    COLONNES_REGULARISATION,
    COLONNES_RESULTATS,
    COLONNES_TERMES,
    METHODES,
    MOTIF_CLASSEMENT,
    MOTIF_FORFAIT_2014,
    MOTIF_NON_CALCULABLE,
    MOTIF_PENITENTIAIRE,
    MOTIF_PENITENTIAIRE_PLAFOND,
    MOTIF_SEULE,
)

# Instruction DGEFP 2014-2, § 1 : aide au poste au 1er juillet 2014 pour les AI et les ACI.
DEBUT_AIDE_AU_POSTE = {"AI": dt.date(2014, 7, 1), "ACI": dt.date(2014, 7, 1)}
# Note DGEFP 2014-04 : le taux de 2014 est fixé ; une enveloppe ne peut pas le réduire.
CITATION_FORFAIT_2014 = (
    "« Pour l'année 2014, année de transition de la mise en œuvre de la réforme, la part modulée "
    "est fixée au taux de 5 % du montant socle de l'aide au poste conventionnée par structure en "
    "2014 (incluant, le cas échéant, le cofinancement du conseil général). » (note DGEFP "
    "n° 2014-04 du 10 octobre 2014)"
)


class ErreurCalcul(Exception):
    """Calcul impossible (option ou paramètre manquant) ; message en français."""


@dataclass(frozen=True)
class OptionsCalcul:
    """Options d'une campagne : ce sont des choix de l'agent, consignés dans le manifeste."""

    annee: int
    methode: str = "rang"
    enveloppes: dict[str, Decimal] | None = None
    versements_2014: dict[str, Versement2014] | None = None

    def __post_init__(self) -> None:
        if self.methode not in METHODES:
            raise ErreurCalcul(
                f"Méthode « {self.methode} » inconnue : choisissez {' ou '.join(METHODES)}."
            )
        if self.versements_2014 is not None and self.annee != ANNEE_REGULARISATION:
            raise ErreurCalcul(
                "La régularisation des versements 2014 ne s'applique qu'à la campagne 2015 "
                f"(campagne demandée : {self.annee})."
            )
        if self.enveloppes and self.annee == ANNEE_FORFAIT:
            raise ErreurCalcul(
                "Enveloppe régionale refusée pour la campagne 2014 : "
                f"{CITATION_FORFAIT_2014}. Aucune enveloppe ne peut réduire ce taux : retirez "
                "l'enveloppe (option --enveloppes ou cellule « Enveloppe régionale »)."
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

    def taux_exact(self, scores, plafond=None):
        """plafond × Σ poids × score en rationnel exact (numérateur, dénominateur) ; marche pour
        des entiers comme pour des tableaux numpy d'entiers Python (toute une table d'un coup).
        `plafond` (numérateurs, dénominateurs), un par structure, remplace `taux_max` : 5 % en
        milieu pénitentiaire depuis 2022, celui des EITI (`regles.ReglesDatees.plafond`)."""
        numerateur, denominateur = 0, 1
        for (poids_n, poids_d), (score_n, score_d) in zip(self.poids, scores, strict=True):
            numerateur = numerateur * poids_d * score_d + poids_n * score_n * denominateur
            denominateur = denominateur * poids_d * score_d
        plafond_n, plafond_d = self.taux_max if plafond is None else plafond
        return plafond_n * numerateur, plafond_d * denominateur

    def taux(self, scores: tuple[Score, Score, Score], plafond: Decimal | None = None) -> Decimal:
        """Le taux d'une structure, arrondi à 4 décimales (0,01 point), moitié vers le haut ;
        `plafond` remplace le taux maximal (milieu pénitentiaire)."""
        ratio = None if plafond is None else Decimal(plafond).as_integer_ratio()
        return arrondi_exact(*self.taux_exact(scores, ratio), 4)


def date_de_reference(annee: int, type_siae: str) -> dt.date:
    """1er janvier de l'année de campagne, ou début de l'aide au poste s'il est postérieur."""
    return max(dt.date(annee, 1, 1), DEBUT_AIDE_AU_POSTE.get(type_siae, dt.date.min))


# --- calcul d'une campagne ---------------------------------------------------------------------


# Pourquoi le montant socle de repli prend la valeur du 1er janvier quand un arrêté en fixe
# plusieurs dans l'année (dit dans le manifeste et dans docs/parametres.md).
MOTIF_REPLI = (
    "valeur en vigueur au 1er janvier de l'année de campagne (1er juillet 2014 pour les AI et "
    "ACI), date de début de l'annexe financière annuelle ; une revalorisation en cours d'année "
    "modifie l'annexe par avenant : renseignez montant_socle pour en tenir compte"
)


class _Parametres:
    """Lit les paramètres en vigueur et garde la trace de ceux utilisés (pour le manifeste)."""

    def __init__(self) -> None:
        self.utilises: dict[tuple[str, dt.date], parametres.ValeurParametre] = {}
        self.non_retenus: dict[tuple[str, dt.date], list[parametres.Periode]] = {}

    def noter(self, valeur: parametres.ValeurParametre) -> parametres.ValeurParametre:
        self.utilises[(valeur.nom, valeur.debut)] = valeur
        return valeur

    def valeur(self, nom: str, jour: dt.date) -> parametres.ValeurParametre:
        return self.noter(parametres.valeur(nom, jour))

    def en_vigueur(self, nom: str, jour: dt.date) -> parametres.ValeurParametre:
        return self.noter(parametres.en_vigueur(nom, jour))

    def socle_etp(
        self, type_siae: str, jour: dt.date, mayotte: bool, penitentiaire: bool = False
    ) -> parametres.ValeurParametre:
        """Le montant par ETP d'un montant socle de repli ; les autres valeurs entrées en
        vigueur plus tard dans l'année sont gardées pour le dire."""
        valeur = self.noter(parametres.montant_socle_etp(type_siae, jour, mayotte, penitentiaire))
        self.non_retenus[(valeur.nom, valeur.debut)] = [
            p
            for p in parametres.socles_etp_de_l_annee(type_siae, jour.year, mayotte, penitentiaire)
            if p.debut > jour and p.valeur is not None
        ]
        return valeur

    def signalements(self) -> list[str]:
        """Une ligne par valeur utilisée qui n'a pas été lue dans le texte (grade S2, S1)."""
        return [
            f"Valeur non lue dans le texte : {v.signalement()}"
            for v in self.utilises.values()
            if not v.lue_dans_le_texte
        ]

    def pour_le_manifeste(self) -> list[dict]:
        """Les paramètres utilisés ; pour un socle de repli, la règle de choix et les valeurs
        de l'année qu'elle n'a pas retenues."""
        sortie = []
        for cle, valeur in self.utilises.items():
            decrit = valeur.vers_dict()
            if cle in self.non_retenus:
                decrit["repli"] = {
                    "regle": MOTIF_REPLI,
                    "valeurs_de_l_annee_non_retenues": [
                        {"debut": p.debut.isoformat(), "valeur": str(p.valeur)}
                        for p in self.non_retenus[cle]
                    ],
                }
            sortie.append(decrit)
        return sortie


def _colonne(table: pd.DataFrame, nom: str) -> list:
    return list(table[nom]) if nom in table.columns else [None] * len(table)


def _montants_socles(
    table: pd.DataFrame, annee: int, params: _Parametres, regles: ReglesDatees
) -> tuple[list[Decimal], list[list[str]]]:
    """Montant socle de chaque ligne : celui de l'annexe financière, sinon ETP × socle par ETP
    en vigueur (proratisé sur six mois pour les AI et ACI en 2014 ; socle propre du milieu
    pénitentiaire quand la règle de la date en prévoit un). Un montant fourni hors de
    [50 %, 110 %] de ETP × socle par ETP est signalé (faute de frappe probable), sans bloquer."""
    socles, notes = [], []
    bornes: dict = {}  # (type, Mayotte, socle pénitentiaire) -> (par ETP, bas, haut) ou None
    replis: dict = {}  # (type, Mayotte, socle pénitentiaire) -> (par ETP, mois, précisions)
    for type_siae, dep, socle, etp, penitentiaire in zip(
        table["type"],
        table["departement"],
        _colonne(table, "montant_socle"),
        _colonne(table, "etp_conventionnes"),
        table["milieu_penitentiaire"],
        strict=True,
    ):
        cle = (type_siae, dep == DEPARTEMENT_MAYOTTE, regles.socle_propre(penitentiaire))
        if cle not in bornes:
            bornes[cle] = _socle_par_etp(annee, *cle)
        if socle is not None:
            socles.append(arrondi_centime(socle))
            notes.append(_vraisemblance(socle, etp, bornes[cle]))
            continue
        if cle not in replis:
            replis[cle] = _repli(annee, type_siae, cle[1], params, cle[2])
        par_etp, mois, precisions = replis[cle]
        socles.append(arrondi_centime(etp * par_etp * mois / 12))
        notes.append(
            [
                f"montant socle calculé : {nombre_fr(etp)} ETP × {nombre_fr(par_etp, 0)} € "
                f"par ETP" + (f" × {mois}/12" if mois != 12 else "") + precisions
            ]
        )
    return socles, notes


def _repli(
    annee: int, type_siae: str, mayotte: bool, params: _Parametres, penitentiaire: bool
) -> tuple[Decimal, int, str]:
    """Le montant par ETP d'un socle de repli (une fois par type), le nombre de mois couverts
    et ce que la note en dit : valeurs de l'année non retenues, valeur non lue dans le texte."""
    jour = date_de_reference(annee, type_siae)
    mois = 12 - jour.month + 1 if annee == ANNEE_FORFAIT else 12
    par_etp = params.socle_etp(type_siae, jour, mayotte, penitentiaire)
    precisions = ""
    plus_tard = params.non_retenus[(par_etp.nom, par_etp.debut)]
    if plus_tard:
        precisions += (
            f" (valeur au {jour:%d/%m/%Y} ; non retenue : "
            + ", ".join(f"{nombre_fr(p.valeur, 0)} € au {p.debut:%d/%m/%Y}" for p in plus_tard)
            + ")"
        )
    if penitentiaire:
        precisions += " (montant propre au milieu pénitentiaire)"
    if not par_etp.lue_dans_le_texte:
        precisions += (
            f" (montant par ETP NON LU DANS LE TEXTE, grade {par_etp.grade} : "
            f"{par_etp.note or par_etp.reference_titre})"
        )
    return par_etp.valeur, mois, precisions


def _socle_par_etp(annee: int, type_siae: str, mayotte: bool, penitentiaire: bool) -> tuple | None:
    """(socle annuel par ETP sur la période, borne basse, borne haute) par ETP, ou None si le
    montant par ETP n'est pas connu."""
    jour = date_de_reference(annee, type_siae)
    mois = 12 - jour.month + 1 if annee == ANNEE_FORFAIT else 12
    try:
        par_etp = parametres.montant_socle_etp(type_siae, jour, mayotte, penitentiaire).valeur
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
    table: pd.DataFrame,
    indicateurs: dict,
    options: OptionsCalcul,
    params: _Parametres,
    regles: ReglesDatees,
) -> tuple[dict, dict, dict, dict, dict]:
    """Scores (affichés à 4 décimales), taux, justification, effectif du groupe des
    structures comparées dans leur groupe (type, région), chacune avec son plafond (celui de la
    méthode, des EITI ou du milieu pénitentiaire), et pour la notation « rang », le rang et
    l'effectif de chaque indicateur calculable (colonnes `rang_*`, `effectif_*` du grand livre),
    calculés d'un bloc pour toute la table. Les structures à taux fixe (milieu pénitentiaire
    avant 2022) ne sont pas comparées."""
    ponderation = Ponderation.en_vigueur(dt.date(options.annee, 1, 1), params.valeur)
    penitentiaires = table["milieu_penitentiaire"].to_numpy(dtype=bool)
    # la règle n'est lue (et consignée) que s'il y a une structure en détention
    taux_fixe = penitentiaires & (
        penitentiaires.any() and regles.regle_penitentiaire == REGLE_TAUX_FIXE
    )
    comparees = np.flatnonzero(~taux_fixe)
    sous_table = table.iloc[comparees]
    taux_max = ponderation.taux_max[0] / Decimal(ponderation.taux_max[1])
    plafonds = [
        regles.plafond(t, p, taux_max)
        for t, p in zip(sous_table["type"], sous_table["milieu_penitentiaire"], strict=True)
    ]
    ratios = [Decimal(p).as_integer_ratio() for p in plafonds]
    plafond = (
        np.array([n for n, _ in ratios], dtype=object),
        np.array([d for _, d in ratios], dtype=object),
    )
    groupes = sous_table.groupby(["type", "region"], sort=False).ngroup().to_numpy()
    effectifs = np.bincount(groupes)[groupes]
    scores, textes, exacts = {}, [], []
    rangs: dict = {c: {} for c in CRITERES}
    for critere in CRITERES:
        indicateur = indicateurs[critere].sous_ensemble(comparees)
        sn, sd, extra_1, extra_2 = _scores_vectorises(groupes, indicateur, options.methode)
        exacts.append((sn, sd))
        if options.methode == "rang":
            rangs[critere] = {
                i: (Decimal(r).normalize(), Decimal(int(n)))
                for i, r, n, ok in zip(
                    comparees, extra_1, extra_2, indicateur.calculable, strict=True
                )
                if ok
            }
        affiches = fractions_a_4_decimales(sn, sd, np.ones(len(sn), dtype=bool))
        scores[critere] = dict(zip(comparees, affiches, strict=True))
        textes.append(
            _textes_critere(
                LIBELLES[critere], indicateur, affiches, options.methode == "rang", extra_1, extra_2
            )
        )
    taux_n, taux_d = ponderation.taux_exact(exacts, plafond)
    taux_affiches = fractions_a_4_decimales(taux_n, taux_d, np.ones(len(comparees), dtype=bool))
    taux = dict(zip(comparees, taux_affiches, strict=True))
    justifs = {
        i: f"{a} ; {b} ; {c}".replace(".", ",")
        + f" (groupe de {n} {t}"
        + ("" if m == taux_max else f" ; plafond de {taux_fr(m)}")
        + ")"
        for i, a, b, c, n, t, m in zip(
            comparees, *textes, effectifs, sous_table["type"], plafonds, strict=True
        )
    }
    effectifs_groupes = dict(zip(comparees, effectifs.tolist(), strict=True))
    return scores, taux, justifs, effectifs_groupes, rangs


def _motifs_compares(
    comparees: list[int], effectifs: dict[int, int], indicateurs: dict, penitentiaires
) -> dict[int, str]:
    """Pourquoi chaque structure comparée a son taux : plafond du milieu pénitentiaire,
    classement dans son groupe, seule de son groupe (scores neutres), ou aucun indicateur
    calculable (scores neutres)."""
    motifs = {}
    for i in comparees:
        if penitentiaires[i]:
            motifs[i] = MOTIF_PENITENTIAIRE_PLAFOND
        elif effectifs[i] == 1:
            motifs[i] = MOTIF_SEULE
        elif not any(indicateurs[c].calculable[i] for c in CRITERES):
            motifs[i] = MOTIF_NON_CALCULABLE
        else:
            motifs[i] = MOTIF_CLASSEMENT
    return motifs


def calculer_modulation(donnees: DonneesSIAE, options: OptionsCalcul) -> CalculModulation:
    """Le grand livre de la campagne : taux, montant avant et après enveloppe, régularisation et
    montant net de chaque structure valide, avec le motif de son taux."""
    # colonnes en objets Python : parcourir une colonne de texte pandas est bien plus lent
    table = donnees.table.reset_index(drop=True).astype(object)
    params = _Parametres()
    rapport = RapportValidation(list(donnees.rapport.anomalies))
    regles = ReglesDatees(options.annee, params.en_vigueur)
    # lignes que les règles de la date refusent (EITI sans part modulée, détention impossible) :
    # au rapport, comme une ligne invalide, et hors du calcul
    refus = regles.refus(donnees, table)
    if refus:
        rapport.ajouter(*refus)
        refusees = {a.ligne for a in refus}
        table = table[~table["ligne_source"].isin(refusees)].reset_index(drop=True)
    lignes = range(len(table))
    attention = parametres.annee_sans_arrete(options.annee)
    indicateurs = _indicateurs(table)
    socles, notes = _montants_socles(table, options.annee, params, regles)
    notes_par_index = dict(zip(lignes, notes, strict=True))
    par_ligne = dict(zip(table["ligne_source"], table.index, strict=True))
    # un socle éloigné de ETP × socle par ETP est aussi une remarque du rapport (écrite dans
    # le résumé du calcul), pas seulement une note du grand livre
    for i, (ligne, socle_note) in enumerate(zip(table["ligne_source"], notes, strict=True)):
        if table["montant_socle"][i] is not None and socle_note:
            rapport.ajouter(
                Anomalie(
                    Path(donnees.fichier).name,
                    donnees.feuille,
                    int(ligne),
                    "montant_socle",
                    str(table["montant_socle"][i]),
                    socle_note[0],
                    False,
                )
            )
    for anomalie in donnees.rapport.anomalies:
        meme_fichier = anomalie.fichier == Path(donnees.fichier).name
        if not anomalie.bloquante and meme_fichier and anomalie.ligne in par_ligne:
            notes_par_index[par_ligne[anomalie.ligne]].append(anomalie.message)

    scores: dict = {c: {} for c in CRITERES}
    rangs: dict = {c: {} for c in CRITERES}
    if options.annee == ANNEE_FORFAIT:
        forfait = params.valeur("taux_forfaitaire_2014", dt.date(2014, 1, 1)).valeur
        taux = dict.fromkeys(lignes, forfait)
        motifs = dict.fromkeys(lignes, MOTIF_FORFAIT_2014)
        justifs = dict.fromkeys(
            lignes, f"Année 2014 : taux forfaitaire de {taux_fr(forfait)} (note DGEFP 2014-04)"
        )
    else:
        scores, taux, justifs, effectifs, rangs = _taux_compares(
            table, indicateurs, options, params, regles
        )
        penitentiaires = list(table["milieu_penitentiaire"])
        motifs = _motifs_compares(list(taux), effectifs, indicateurs, penitentiaires)
        fixes = [i for i in lignes if i not in taux]
        for i in fixes:
            taux[i], motifs[i] = regles.taux_penitentiaire, MOTIF_PENITENTIAIRE
            justifs[i] = (
                f"Milieu pénitentiaire : taux fixe de {taux_fr(taux[i])} du montant socle propre, "
                "hors classement"
            )
        for i in lignes:
            for critere in CRITERES:
                if not indicateurs[critere].calculable[i] and i not in fixes:
                    notes_par_index[i].append(
                        f"{LIBELLES[critere]} non calculable ({MOTIFS_NON_CALCULABLE[critere]}) : "
                        "score neutre 0,5"
                    )

    avant = [montant_module(s, taux[i]) for i, s in zip(lignes, socles, strict=True)]
    enveloppe = _appliquer_enveloppes(table, avant, motifs, options, notes_par_index)
    regularisation = _regulariser(table, enveloppe.modules, options, notes_par_index)

    resultats = pd.DataFrame(
        {
            "annee": str(options.annee),
            "identifiant": table["identifiant"],
            **{c: table[c] for c in COLONNES_IDENTITE},
            "type": table["type"],
            "departement": table["departement"],
            "region": table["region"],
            **{c: indicateurs[c].affiches() for c in CRITERES},
            **{f"score_{c}": [scores[c].get(i) for i in lignes] for c in CRITERES},
            "motif_taux": [motifs[i] for i in lignes],
            "taux_calcule": [taux[i] for i in lignes],
            "montant_socle": socles,
            "montant_avant_enveloppe": avant,
            "enveloppe_region": [
                (options.enveloppes or {}).get(region) for region in table["region"]
            ],
            "enveloppe_disponible": enveloppe.disponible,
            "total_avant_enveloppe": enveloppe.total,
            "montant_module": enveloppe.modules,
            "taux_effectif": [
                taux_effectif(m, s) for m, s in zip(enveloppe.modules, socles, strict=True)
            ],
            **regularisation,
            "methode": options.methode,
            "justification": [justifs[i] for i in lignes],
            "anomalies": [
                " ; ".join(
                    ([_attention_ligne(options.annee)] if attention else []) + notes_par_index[i]
                )
                for i in lignes
            ],
            **_termes(table),
            **{
                f"{nom}_{c}": [rangs[c].get(i, (None, None))[k] for i in lignes]
                for c in CRITERES
                for k, nom in enumerate(("rang", "effectif"))
            },
        },
        index=table.index,
    )[list(COLONNES_RESULTATS)]
    avertissements = ([attention] if attention else []) + params.signalements()
    return CalculModulation(
        resultats, enveloppe.bilan, params.pour_le_manifeste(), rapport, avertissements
    )


def _attention_ligne(annee: int) -> str:
    """Ce que la colonne `anomalies` de chaque structure dit d'une année sans arrêté."""
    return (
        f"ATTENTION : aucun arrêté enregistré pour {annee}, paramètres des années précédentes "
        "appliqués (voir le résumé du calcul)"
    )


def _termes(table: pd.DataFrame) -> dict[str, list]:
    """Numérateur et dénominateur de chaque indicateur, tels que les données les donnent
    (sorties dynamiques : emploi durable + de transition + positives, vide si aucune)."""
    dynamiques = sorties_dynamiques(table)
    return {
        colonne: dynamiques if colonne == "sorties_dynamiques" else _colonne(table, colonne)
        for colonne in COLONNES_TERMES
    }


@dataclass
class _Enveloppes:
    """Montants après enveloppe, et pour chaque structure réduite l'enveloppe répartie et le
    total qu'elle a réduit (pour que chacun puisse refaire la division)."""

    modules: list[Decimal]
    disponible: list[Decimal | None]
    total: list[Decimal | None]
    bilan: pd.DataFrame


def _appliquer_enveloppes(
    table: pd.DataFrame,
    avant: list[Decimal],
    motifs: dict[int, str],
    options: OptionsCalcul,
    notes: dict,
) -> _Enveloppes:
    """Enveloppes régionales : réduction proportionnelle, au centime inférieur, des montants de
    la région ; les montants à taux fixe (milieu pénitentiaire) ne sont pas réduits, ils
    s'imputent d'abord sur l'enveloppe. Le reliquat non utilisé est rapporté."""
    modules = list(avant)
    disponible: list[Decimal | None] = [None] * len(avant)
    total_reduit: list[Decimal | None] = [None] * len(avant)
    bilan = []
    for region, groupe in table.groupby("region", sort=True):
        index = list(groupe.index)
        total = sum((avant[i] for i in index), Decimal(0))
        enveloppe = (options.enveloppes or {}).get(region)
        if enveloppe is None or total <= enveloppe:
            bilan.append(
                (region, enveloppe, total, total, None if enveloppe is None else enveloppe - total)
            )
            continue
        fixes = [i for i in index if motifs[i] == MOTIF_PENITENTIAIRE]
        # un montant nul n'a rien à réduire (socle ou taux nul) : il reste hors de la réduction
        reduits = [i for i in index if motifs[i] != MOTIF_PENITENTIAIRE and avant[i]]
        part_fixe = sum((avant[i] for i in fixes), Decimal(0))
        reste = enveloppe - part_fixe
        a_reduire = total - part_fixe
        if reste < 0:
            raise ErreurCalcul(
                f"Enveloppe {region} de {montant_fr(enveloppe)} inférieure aux montants à taux "
                f"fixe des structures en milieu pénitentiaire ({montant_fr(part_fixe)}) : "
                "vérifiez l'enveloppe."
            )
        for i in reduits:
            modules[i] = montant_reduit(avant[i], reste, a_reduire)
            disponible[i], total_reduit[i] = reste, a_reduire
            notes[i].append(
                f"réduit par l'enveloppe régionale : {nombre_fr(avant[i])} € × "
                f"{nombre_fr(reste)} / {nombre_fr(a_reduire)} = {nombre_fr(modules[i])} € "
                "(au centime inférieur)"
            )
        apres = sum((modules[i] for i in index), Decimal(0))
        bilan.append((region, enveloppe, total, apres, enveloppe - apres))
    return _Enveloppes(
        modules,
        disponible,
        total_reduit,
        pd.DataFrame(
            bilan,
            columns=["region", "enveloppe", "total_avant_enveloppe", "total_module", "reliquat"],
        ),
    )


def _regulariser(
    table: pd.DataFrame, modules: list[Decimal], options: OptionsCalcul, notes: dict
) -> dict[str, list]:
    """Colonnes de la régularisation 2015 (note 2014-04) : versement et postes 2014, déduction,
    reste à déduire de l'aide au poste et montant net à verser."""
    colonnes: dict[str, list] = {c: [] for c in COLONNES_REGULARISATION}
    versements = options.versements_2014 or {}
    for i, (identifiant, module) in enumerate(zip(table["identifiant"], modules, strict=True)):
        versement = versements.get(identifiant)
        if versement is None:
            for nom, valeur in zip(colonnes, (None, None, None, None, None, module), strict=True):
                colonnes[nom].append(valeur)
            continue
        calcul = regulariser(module, versement)
        valeurs = (
            versement.montant,
            versement.etp_conventionnes,
            versement.etp_realises,
            calcul.deduction,
            calcul.reste,
            calcul.net,
        )
        for nom, valeur in zip(colonnes, valeurs, strict=True):
            colonnes[nom].append(valeur)
        notes[i].append(
            f"régularisation 2014 : {nombre_fr(versement.montant)} € × (max(0 ; "
            f"{nombre_fr(versement.etp_conventionnes)} − {nombre_fr(versement.etp_realises)}) / "
            f"{nombre_fr(versement.etp_conventionnes)}) = {nombre_fr(calcul.deduction)} €"
            + (
                f" ; reste à déduire de l'aide au poste : {nombre_fr(calcul.reste)} €"
                if calcul.reste
                else ""
            )
        )
    return colonnes
