"""Scores, taux et montants modulés (note DGEFP 2014-04 ; méthode de la région, docs/methode.md).

- Taux de 0 au plafond du montant socle : plafond × Σ poids × score (note 2014-04, annexe 2 :
  publics 35 %, efforts 40 %, résultats 25 % « pour 2015 », plafond de 10 % fixé par arrêté),
  ou ceux que la méthode de la région choisit (`methode.py`) ; chaque structure avec son plafond
  (`regles.py` : EITI, milieu pénitentiaire), jamais au-dessus de celui de la méthode.
- Comparaison dans le groupe (type de SIAE, région ou département) : chaque structure est
  classée parmi celles de sa catégorie (la note 2014-04 demande de collecter les données de
  toutes les structures d'un même type d'une région avant le calcul) ; scores : `scores.py`.
- 2014 : 5 % forfaitaire ; milieu pénitentiaire et EITI selon les règles datées ; répartition
  de l'enveloppe régionale (`repartition.py`) ; régularisation en 2015 des postes 2014 non
  réalisés (note 2014-04, `regularisation.py`) ; taux et montant de la campagne précédente.

Le résultat est le grand livre de la campagne (colonnes : `colonnes.py`) : une ligne par
structure, du montant socle au montant net à verser, d'où viennent tous les montants des
documents. Ce module ne connaît aucun format de fichier.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iae_modulation import parametres
from iae_modulation.colonnes import (
    COLONNES_IDENTITE,
    COLONNES_REGULARISATION,
    COLONNES_TERMES,
    MOTIF_CLASSEMENT,
    MOTIF_FORFAIT_2014,
    MOTIF_NON_CALCULABLE,
    MOTIF_PENITENTIAIRE,
    MOTIF_PENITENTIAIRE_PLAFOND,
    MOTIF_SEULE,
    NOTATIONS,
    colonnes_du_grand_livre,
)
from iae_modulation.formats import arrondi_centime, montant_fr, nombre_fr, taux_fr
from iae_modulation.indicateurs import (
    CRITERES,
    CRITERES_OPTIONNELS,
    LIBELLES,
    MOTIFS_NON_CALCULABLE,
    Indicateur,
    quotients_a_4_decimales,
    sorties_dynamiques,
)
from iae_modulation.indicateurs import calculer_indicateurs as _indicateurs
from iae_modulation.methode import (
    REPARTITION_PLAFOND,
    ErreurMethode,
    Methode,
    MethodeAppliquee,
    appliquer,
    methode_par_defaut,
)
from iae_modulation.montants import montant_module, taux_effectif
from iae_modulation.parametres import ANNEE_FORFAIT, ANNEE_REGULARISATION
from iae_modulation.referentiel import DEPARTEMENT_MAYOTTE
from iae_modulation.regles import REGLE_TAUX_FIXE, ReglesDatees
from iae_modulation.regularisation import Versement2014, cle_versement, regulariser
from iae_modulation.repartition import ErreurRepartition, Structure, repartir
from iae_modulation.scores import Scores, noter, taux_exact
from iae_modulation.table_canonique import Anomalie, DonneesSIAE, RapportValidation

# Note DGEFP 2014-04 : le taux de 2014 est fixé ; une enveloppe ne peut pas le réduire.
CITATION_FORFAIT_2014 = (
    "« Pour l'année 2014, année de transition de la mise en œuvre de la réforme, la part modulée "
    "est fixée au taux de 5 % du montant socle de l'aide au poste conventionnée par structure en "
    "2014 (incluant, le cas échéant, le cofinancement du conseil général). » (note DGEFP "
    "n° 2014-04 du 10 octobre 2014)"
)
Bornes = tuple[Decimal, Decimal, Decimal]  # socle annuel par ETP, bornes basse et haute par ETP
LIBELLES_OPTIONNELS = {nom: c.libelle for nom, c in CRITERES_OPTIONNELS.items()}


class ErreurCalcul(Exception):
    """Calcul impossible (option ou paramètre manquant) ; message en français."""


@dataclass(frozen=True)
class Precedent:
    """Le taux effectif et le montant modulé d'une structure à la campagne précédente, lus dans
    son grand livre vérifié (`precedent.py`)."""

    taux: Decimal | None
    montant: Decimal


@dataclass(frozen=True)
class OptionsCalcul:
    """Options d'une campagne : ce sont des choix de l'agent, consignés dans le manifeste.
    `methode` : une `Methode`, ou une notation (« rang », « minmax ») de la méthode par défaut.
    `precedent` : identifiant -> taux et montant de la campagne N − 1."""

    annee: int
    methode: Methode | str = "rang"
    enveloppes: dict[str, Decimal] | None = None
    versements_2014: dict[str, Versement2014] | None = None
    precedent: dict[str, Precedent] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.methode, str):
            if self.methode not in NOTATIONS:
                raise ErreurCalcul(
                    f"Notation « {self.methode} » inconnue : choisissez {' ou '.join(NOTATIONS)}."
                )
            object.__setattr__(self, "methode", methode_par_defaut(self.methode))
        if self.versements_2014 is not None and self.annee != ANNEE_REGULARISATION:
            raise ErreurCalcul(
                "La régularisation des versements 2014 ne s'applique qu'à la campagne "
                f"{ANNEE_REGULARISATION} "
                f"(campagne demandée : {self.annee})."
            )
        if self.annee == ANNEE_FORFAIT and self.methode_choisie.repartition != REPARTITION_PLAFOND:
            raise ErreurCalcul(
                f"Répartition « {self.methode_choisie.repartition} » refusée pour la campagne "
                f"{ANNEE_FORFAIT} : "
                f"{CITATION_FORFAIT_2014}. Aucune répartition ne peut changer ce taux : gardez "
                "la répartition « plafond »."
            )

    @property
    def methode_choisie(self) -> Methode:
        """La méthode du calcul (une notation seule : la méthode par défaut de la note)."""
        methode = self.methode
        return methode if isinstance(methode, Methode) else methode_par_defaut(methode)


@dataclass
class CalculModulation:
    """Résultat d'un calcul : une ligne par structure, le bilan des enveloppes, les paramètres."""

    resultats: pd.DataFrame
    enveloppes: pd.DataFrame
    parametres: list[dict[str, object]]
    rapport: RapportValidation
    methode: MethodeAppliquee
    avertissements: list[str] = field(default_factory=list)


def periode_du_socle(annee: int, type_siae: str) -> tuple[dt.date, int]:
    """Le jour du montant socle par ETP de repli et le nombre de mois qu'il couvre : de janvier,
    ou du début de l'aide au poste (1er juillet 2014 pour les AI et ACI), à décembre."""
    jour = parametres.debut_aide_au_poste(type_siae, annee)
    return jour, 13 - jour.month


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
        # valeurs de l'année entrées en vigueur après le jour du socle de repli : (début, valeur)
        self.non_retenus: dict[tuple[str, dt.date], list[tuple[dt.date, Decimal]]] = {}

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
            (p.debut, p.valeur)
            for p in parametres.socles_etp_de_l_annee(type_siae, jour.year, mayotte, penitentiaire)
            if p.debut > jour and isinstance(p.valeur, Decimal)
        ]
        return valeur

    def signalements(self) -> list[str]:
        """Une ligne par valeur utilisée qui n'a pas été lue dans le texte (grade S2, S1)."""
        return [
            f"Valeur non lue dans le texte : {v.signalement()}"
            for v in self.utilises.values()
            if not v.lue_dans_le_texte
        ]

    def pour_le_manifeste(self) -> list[dict[str, object]]:
        """Les paramètres utilisés ; pour un socle de repli, la règle de choix et les valeurs
        de l'année qu'elle n'a pas retenues."""
        sortie = []
        for cle, valeur in self.utilises.items():
            decrit = valeur.vers_dict()
            if cle in self.non_retenus:
                decrit["repli"] = {
                    "regle": MOTIF_REPLI,
                    "valeurs_de_l_annee_non_retenues": [
                        {"debut": debut.isoformat(), "valeur": str(montant)}
                        for debut, montant in self.non_retenus[cle]
                    ],
                }
            sortie.append(decrit)
        return sortie


def _colonne(table: pd.DataFrame, nom: str) -> list[Any]:
    return list(table[nom]) if nom in table.columns else [None] * len(table)


CleSocle = tuple[str, bool, bool]  # (type, Mayotte, socle propre au milieu pénitentiaire)


def _cles_du_socle(table: pd.DataFrame, regles: ReglesDatees) -> list[CleSocle]:
    """Ce qui fixe le socle par ETP de chaque ligne : son type, Mayotte, et le socle propre du
    milieu pénitentiaire quand la règle de la date en prévoit un."""
    return [
        (type_siae, departement == DEPARTEMENT_MAYOTTE, regles.socle_propre(penitentiaire))
        for type_siae, departement, penitentiaire in zip(
            table["type"], table["departement"], table["milieu_penitentiaire"], strict=True
        )
    ]


def _bornes_des_cles(cles: list[CleSocle], annee: int) -> dict[CleSocle, Bornes | None]:
    """Le socle par ETP de la période et ses bornes de vraisemblance, une fois par clé."""
    return {cle: _socle_par_etp(annee, *cle) for cle in dict.fromkeys(cles)}


def _montants_socles(
    table: pd.DataFrame, annee: int, params: _Parametres, regles: ReglesDatees
) -> tuple[list[Decimal], list[list[str]]]:
    """Montant socle de chaque ligne : celui de l'annexe financière, sinon ETP × socle par ETP
    en vigueur (proratisé sur six mois pour les AI et ACI en 2014 ; socle propre du milieu
    pénitentiaire quand la règle de la date en prévoit un). Un montant fourni hors de
    [50 %, 110 %] de ETP × socle par ETP est signalé (faute de frappe probable), sans bloquer."""
    socles: list[Decimal] = []
    notes: list[list[str]] = []
    # par (type, Mayotte, socle pénitentiaire) : repli (par ETP, mois, précisions)
    cles = _cles_du_socle(table, regles)
    bornes = _bornes_des_cles(cles, annee)
    replis: dict[CleSocle, tuple[Decimal, int, str]] = {}
    for cle, socle, etp in zip(
        cles, _colonne(table, "montant_socle"), _colonne(table, "etp_conventionnes"), strict=True
    ):
        if socle is not None:
            socles.append(arrondi_centime(socle))
            notes.append(_vraisemblance(socle, etp, bornes[cle]))
            continue
        if cle not in replis:
            replis[cle] = _repli(annee, cle[0], cle[1], params, cle[2])
        par_etp, mois, precisions = replis[cle]
        socles.append(arrondi_centime(etp * par_etp * mois / 12))
        notes.append(
            [
                f"montant socle calculé : {nombre_fr(etp)} ETP × {nombre_fr(par_etp, 0)} € "
                f"par ETP" + (f" × {mois}/12" if mois != 12 else "") + precisions
            ]
        )
    return socles, notes


def _socles_inconnus(
    donnees: DonneesSIAE, table: pd.DataFrame, annee: int, regles: ReglesDatees
) -> list[Anomalie]:
    """Une anomalie bloquante par ligne sans montant socle dont le montant par ETP n'est pas
    connu à la date (grade NF, sans objet) : jamais deviné, la ligne nommée (fichier, feuille,
    ligne, colonne), comme un refus des règles de la date."""
    fichier, anomalies = Path(donnees.fichier).name, []
    motifs: dict[CleSocle, str] = {}
    for ligne, identifiant, cle, socle in zip(
        table["ligne_source"],
        table["identifiant"],
        _cles_du_socle(table, regles),
        _colonne(table, "montant_socle"),
        strict=True,
    ):
        if socle is not None:
            continue
        if cle not in motifs:
            jour = periode_du_socle(annee, cle[0])[0]
            try:
                parametres.montant_socle_etp(cle[0], jour, cle[1], cle[2])
                motifs[cle] = ""
            except parametres.ErreurParametre as erreur:
                motifs[cle] = str(erreur)
        if motifs[cle]:
            anomalies.append(
                Anomalie(
                    fichier,
                    donnees.feuille,
                    int(ligne),
                    "montant_socle",
                    "",
                    f"{identifiant} : {motifs[cle]}",
                )
            )
    return anomalies


FACTEUR_SOCLE_IMPOSSIBLE = 10  # un socle à plus de 10 fois, ou moins d'un dixième, de ETP × socle


def _socles_impossibles(
    donnees: DonneesSIAE, table: pd.DataFrame, annee: int, regles: ReglesDatees
) -> list[Anomalie]:
    """Une anomalie bloquante par montant socle fourni plus de dix fois supérieur, ou inférieur,
    à ETP conventionnés × socle par ETP de la période (ou à l'envers, des ETP faux) : centimes
    saisis sans virgule (« 21552821 » pour 215 528,21 €), point pris pour des décimales. Le
    montant socle de l'annexe est ETP × socle par ETP (art. R. 5132-8 et suivants) ; entre la
    moitié et 110 %, un écart n'est qu'une remarque (`_vraisemblance`) ; un socle nul passe."""
    fichier, anomalies = Path(donnees.fichier).name, []
    cles = _cles_du_socle(table, regles)
    bornes = _bornes_des_cles(cles, annee)
    for ligne, identifiant, cle, socle, etp in zip(
        table["ligne_source"],
        table["identifiant"],
        cles,
        _colonne(table, "montant_socle"),
        _colonne(table, "etp_conventionnes"),
        strict=True,
    ):
        par_periode = bornes[cle]
        if socle is None or not etp or par_periode is None:
            continue
        attendu = par_periode[1] * 2 * etp  # ETP × socle par ETP sur la période
        facteur = FACTEUR_SOCLE_IMPOSSIBLE
        if not socle or attendu / facteur <= socle <= attendu * facteur:
            continue  # un socle nul ne verse rien : rien à fausser
        anomalies.append(
            Anomalie(
                fichier,
                donnees.feuille,
                int(ligne),
                "montant_socle",
                str(socle),
                f"{identifiant} : montant socle de {nombre_fr(socle)} € impossible, plus de "
                f"{FACTEUR_SOCLE_IMPOSSIBLE} fois {'supérieur' if socle > attendu else 'inférieur'}"
                f" à {nombre_fr(etp)} ETP × {nombre_fr(par_periode[0], 0)} € par ETP = "
                f"{nombre_fr(arrondi_centime(attendu))} € : vérifiez le montant (centimes sans "
                "virgule ? point des milliers ?) et les ETP conventionnés de l'annexe.",
            )
        )
    return anomalies


def _repli(
    annee: int, type_siae: str, mayotte: bool, params: _Parametres, penitentiaire: bool
) -> tuple[Decimal, int, str]:
    """Le montant par ETP d'un socle de repli (une fois par type), le nombre de mois couverts
    et ce que la note en dit : valeurs de l'année non retenues, valeur non lue dans le texte."""
    jour, mois = periode_du_socle(annee, type_siae)
    par_etp = params.socle_etp(type_siae, jour, mayotte, penitentiaire)
    precisions = ""
    plus_tard = params.non_retenus[(par_etp.nom, par_etp.debut)]
    if plus_tard:
        precisions += (
            f" (valeur au {jour:%d/%m/%Y} ; non retenue : "
            + ", ".join(
                f"{nombre_fr(montant, 0)} € au {debut:%d/%m/%Y}" for debut, montant in plus_tard
            )
            + ")"
        )
    if penitentiaire:
        precisions += " (montant propre au milieu pénitentiaire)"
    if not par_etp.lue_dans_le_texte:
        precisions += (
            f" (montant par ETP NON LU DANS LE TEXTE, grade {par_etp.grade} : "
            f"{par_etp.note or par_etp.reference_titre})"
        )
    return par_etp.nombre, mois, precisions


def _socle_par_etp(annee: int, type_siae: str, mayotte: bool, penitentiaire: bool) -> Bornes | None:
    """(socle annuel par ETP sur la période, borne basse, borne haute) par ETP, ou None si le
    montant par ETP n'est pas connu."""
    jour, mois = periode_du_socle(annee, type_siae)
    try:
        par_etp = parametres.montant_socle_etp(type_siae, jour, mayotte, penitentiaire).nombre
    except parametres.ErreurParametre:
        return None
    periode = par_etp * mois / 12
    return par_etp, periode / 2, periode * Decimal("1.1")


def _vraisemblance(socle: Decimal, etp: Decimal | None, bornes: Bornes | None) -> list[str]:
    """Remarque si le montant socle fourni est très éloigné de ETP × socle par ETP."""
    if not etp or bornes is None or bornes[1] * etp <= socle <= bornes[2] * etp:
        return []
    par_etp, bas, _ = bornes
    return [
        f"montant socle de {nombre_fr(socle)} € éloigné de {nombre_fr(etp)} ETP × "
        f"{nombre_fr(par_etp, 0)} € = {nombre_fr(bas * 2 * etp)} € : à vérifier"
    ]


def _textes_critere(
    libelle: str, indicateur: Indicateur, scores: Scores, affiches: list[Decimal], rang: bool
) -> list[str]:
    """« Publics 42.0 % — rang 12/30 — score 0.3790 » (rang croissant : 1 = plus faible) ou
    « … — min 10.0 % / max 80.0 % — … » ; « Publics non calculable — score neutre 0.5 ».
    Points décimaux : la justification entière passe ensuite à la virgule française."""
    neutre = f"{libelle} non calculable — score neutre 0.5"
    if rang:
        return [
            f"{libelle} {c * 100:.1f}\u00a0% — rang {r:g}/{n} — score {s:f}" if ok else neutre
            for c, r, n, s, ok in zip(
                indicateur.cles,
                scores.rangs,
                scores.effectifs,
                affiches,
                indicateur.calculable,
                strict=True,
            )
        ]
    return [
        f"{libelle} {c * 100:.1f}\u00a0% — min {a * 100:.1f}\u00a0% / max {b * 100:.1f}\u00a0% — "
        f"score {s:f}"
        if ok
        else neutre
        for c, a, b, s, ok in zip(
            indicateur.cles,
            scores.minimum,
            scores.maximum,
            affiches,
            indicateur.calculable,
            strict=True,
        )
    ]


def etiquettes_de_groupe(table: pd.DataFrame, groupes: str) -> list[str]:
    """« ACI Grand Est » (groupes type × région) ou « ACI 51 » (type × département)."""
    lieux = table["region"] if groupes == "region" else table["departement"]
    return [f"{t} {lieu}" for t, lieu in zip(table["type"], lieux, strict=True)]


@dataclass
class _Compares:
    """Ce que le classement donne aux structures comparées (clés : position dans la table)."""

    scores: dict[str, dict[int, Decimal]]
    taux: dict[int, Decimal]
    plafonds: dict[int, Decimal]
    justifications: dict[int, str]
    effectifs: dict[int, int]
    rangs: dict[str, dict[int, tuple[Decimal, Decimal]]]


def _taux_compares(
    table: pd.DataFrame,
    indicateurs: dict[str, Indicateur],
    appliquee: MethodeAppliquee,
    regles: ReglesDatees,
) -> _Compares:
    """Scores (affichés à 4 décimales), taux, plafond, justification et effectif du groupe
    des structures comparées dans leur groupe, chacune avec son plafond (le plus bas de celui de
    la méthode et du sien : EITI, milieu pénitentiaire), et pour la notation « rang », le rang
    et l'effectif de chaque indicateur calculable (colonnes `rang_*`, `effectif_*` du grand
    livre), calculés d'un bloc pour toute la table. Les structures à taux fixe (milieu
    pénitentiaire avant 2022) ne sont pas comparées."""
    methode = appliquee.methode
    penitentiaires = table["milieu_penitentiaire"].to_numpy(dtype=bool)
    # la règle n'est lue (et consignée) que s'il y a une structure en détention
    taux_fixe = penitentiaires & (
        penitentiaires.any() and regles.regle_penitentiaire == REGLE_TAUX_FIXE
    )
    comparees = np.flatnonzero(~taux_fixe)
    positions = [int(i) for i in comparees]  # clés des dictionnaires : les lignes comparées
    sous_table = table.iloc[comparees]
    plafonds = [
        min(appliquee.plafond, regles.plafond(t, p, appliquee.plafond))
        for t, p in zip(sous_table["type"], sous_table["milieu_penitentiaire"], strict=True)
    ]
    ratios = [Decimal(p).as_integer_ratio() for p in plafonds]
    plafond = (
        np.array([n for n, _ in ratios], dtype=object),
        np.array([d for _, d in ratios], dtype=object),
    )
    etiquettes = etiquettes_de_groupe(sous_table, methode.groupes)
    groupes = pd.Series(etiquettes, dtype=object).factorize()[0]
    effectifs = np.bincount(groupes)[groupes] if len(groupes) else groupes
    rang = methode.notation == "rang"
    exacts, textes = [], []
    resultat = _Compares({}, {}, dict(zip(positions, plafonds, strict=True)), {}, {}, {})
    for critere in appliquee.criteres:
        indicateur = indicateurs[critere].sous_ensemble(comparees)
        scores = noter(groupes, indicateur, methode.notation, methode.sens_de(critere))
        exacts.append(scores)
        resultat.rangs[critere] = (
            {
                i: (Decimal(r).normalize(), Decimal(int(n)))
                for i, r, n, ok in zip(
                    positions, scores.rangs, scores.effectifs, indicateur.calculable, strict=True
                )
                if ok
            }
            if rang
            else {}
        )
        affiches = quotients_a_4_decimales(scores.numerateurs, scores.denominateurs)
        resultat.scores[critere] = dict(zip(positions, affiches, strict=True))
        libelle = LIBELLES.get(critere) or LIBELLES_OPTIONNELS[critere]
        textes.append(_textes_critere(libelle, indicateur, scores, affiches, rang))
    poids = [Decimal(appliquee.poids[c]).as_integer_ratio() for c in appliquee.criteres]
    taux_n, taux_d = taux_exact(poids, [(e.numerateurs, e.denominateurs) for e in exacts], plafond)
    resultat.taux = dict(zip(positions, quotients_a_4_decimales(taux_n, taux_d), strict=True))
    for position, i in enumerate(positions):
        justification = " ; ".join(t[position] for t in textes).replace(".", ",")
        m = plafonds[position]
        resultat.justifications[i] = (
            f"{justification} (groupe {etiquettes[position]}, {effectifs[position]} "
            "structure(s)" + ("" if m == appliquee.plafond else f" ; plafond de {taux_fr(m)}") + ")"
        )
    resultat.effectifs = dict(zip(positions, effectifs.tolist(), strict=True))
    return resultat


def _motifs_compares(
    comparees: list[int],
    effectifs: dict[int, int],
    indicateurs: dict[str, Indicateur],
    penitentiaires: Sequence[bool],
    criteres: tuple[str, ...],
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
        elif not any(indicateurs[c].calculable[i] for c in criteres):
            motifs[i] = MOTIF_NON_CALCULABLE
        else:
            motifs[i] = MOTIF_CLASSEMENT
    return motifs


def verifier_colonnes_optionnelles(donnees: DonneesSIAE, methode: Methode) -> None:
    """Un critère facultatif dont la colonne manque aux données (ou n'y a aucune valeur) est
    refusé : aucun classement n'est possible sans elle."""
    manquantes = [
        CRITERES_OPTIONNELS[nom].colonne
        for nom in methode.optionnels
        if CRITERES_OPTIONNELS[nom].colonne not in donnees.table.columns
        or donnees.table[CRITERES_OPTIONNELS[nom].colonne].isna().all()
    ]
    if manquantes:
        raise ErreurMethode(
            f"Méthode « {methode.nom} » : critère(s) facultatif(s) sans données. La colonne "
            f"{', '.join(manquantes)} est absente de {Path(donnees.fichier).name} ou n'y a "
            "aucune valeur ; ajoutez-la (nombre de salariés en insertion concernés, par "
            "structure) ou retirez le critère de la méthode."
        )


def calculer_modulation(donnees: DonneesSIAE, options: OptionsCalcul) -> CalculModulation:
    """Le grand livre de la campagne : taux, montant avant et après répartition de
    l'enveloppe, régularisation et montant net de chaque structure valide, avec le motif de son
    taux et la méthode appliquée."""
    methode = options.methode_choisie
    verifier_colonnes_optionnelles(donnees, methode)
    # colonnes en objets Python : parcourir une colonne de texte pandas est bien plus lent
    table = donnees.table.reset_index(drop=True).astype(object)
    params = _Parametres()
    rapport = RapportValidation(list(donnees.rapport.anomalies))
    regles = ReglesDatees(options.annee, params.en_vigueur)
    # lignes que les règles de la date refusent (EITI sans part modulée, détention impossible) :
    # au rapport, comme une ligne invalide, et hors du calcul
    refus = regles.refus(donnees, table)
    refus += _socles_inconnus(
        donnees, table[~table["ligne_source"].isin({a.ligne for a in refus})], options.annee, regles
    )
    refus += _socles_impossibles(
        donnees, table[~table["ligne_source"].isin({a.ligne for a in refus})], options.annee, regles
    )
    if refus:
        rapport.ajouter(*refus)
        refusees = {a.ligne for a in refus}
        table = table[~table["ligne_source"].isin(refusees)].reset_index(drop=True)
    lignes = range(len(table))
    attention = parametres.annee_sans_arrete(options.annee)
    appliquee = appliquer(
        methode, dt.date(options.annee, 1, 1), params.valeur, options.annee != ANNEE_FORFAIT
    )
    criteres = appliquee.criteres
    indicateurs = _indicateurs(table, methode.optionnels)
    socles, notes = _montants_socles(table, options.annee, params, regles)
    notes_par_index = dict(zip(lignes, notes, strict=True))
    _remarques_socle(donnees, table, notes, rapport)
    par_ligne = dict(zip(table["ligne_source"], table.index, strict=True))
    for anomalie in donnees.rapport.anomalies:
        meme_fichier = anomalie.fichier == Path(donnees.fichier).name
        if not anomalie.bloquante and meme_fichier and anomalie.ligne in par_ligne:
            notes_par_index[par_ligne[anomalie.ligne]].append(anomalie.message)

    compares = _Compares({c: {} for c in criteres}, {}, {}, {}, {}, {c: {} for c in criteres})
    groupes = [""] * len(table)
    if options.annee == ANNEE_FORFAIT:
        forfait = params.valeur("taux_forfaitaire_2014", dt.date(ANNEE_FORFAIT, 1, 1)).nombre
        taux = dict.fromkeys(lignes, forfait)
        motifs = dict.fromkeys(lignes, MOTIF_FORFAIT_2014)
        justifs = dict.fromkeys(
            lignes, f"Année 2014 : taux forfaitaire de {taux_fr(forfait)} (note DGEFP 2014-04)"
        )
    else:
        compares = _taux_compares(table, indicateurs, appliquee, regles)
        taux, justifs = dict(compares.taux), dict(compares.justifications)
        penitentiaires = list(table["milieu_penitentiaire"])
        motifs = _motifs_compares(
            list(taux), compares.effectifs, indicateurs, penitentiaires, criteres
        )
        etiquettes = etiquettes_de_groupe(table, methode.groupes)
        groupes = [etiquettes[i] if i in taux else "" for i in lignes]
        fixes = [i for i in lignes if i not in taux]
        for i in fixes:
            taux[i], motifs[i] = regles.taux_penitentiaire, MOTIF_PENITENTIAIRE
            justifs[i] = (
                f"Milieu pénitentiaire : taux fixe de {taux_fr(taux[i])} du montant socle propre, "
                "hors classement"
            )
        for i in lignes:
            for critere in criteres:
                if not indicateurs[critere].calculable[i] and i not in fixes:
                    libelle = LIBELLES.get(critere) or LIBELLES_OPTIONNELS[critere]
                    motif = MOTIFS_NON_CALCULABLE.get(critere, "valeur absente ou aucun salarié")
                    notes_par_index[i].append(
                        f"{libelle} non calculable ({motif}) : score neutre 0,5"
                    )

    avant = [montant_module(s, taux[i]) for i, s in zip(lignes, socles, strict=True)]
    try:
        repartition = repartir(
            [
                Structure(r, s, a, compares.plafonds.get(i))
                for i, (r, s, a) in enumerate(zip(table["region"], socles, avant, strict=True))
            ],
            methode.repartition,
            None if options.annee == ANNEE_FORFAIT else options.enveloppes,
            methode.taux_moyen,
        )
    except ErreurRepartition as erreur:
        raise ErreurCalcul(str(erreur)) from None
    for i, textes in repartition.notes.items():
        notes_par_index[i] += textes
    modules = repartition.modules
    regularisation = _regulariser(table, modules, options, notes_par_index)
    compares_lignes = [i in compares.plafonds for i in lignes]

    def de_la_methode(valeur: object) -> list[object]:
        return [valeur if c else None for c in compares_lignes]

    precedent = options.precedent or {}
    colonnes = {
        "annee": str(options.annee),
        "identifiant": table["identifiant"],
        **{c: table[c] for c in COLONNES_IDENTITE},
        "type": table["type"],
        "departement": table["departement"],
        "region": table["region"],
        "groupe": groupes,
        **{c: indicateurs[c].affiches() for c in CRITERES},
        **{f"score_{c}": [compares.scores[c].get(i) for i in lignes] for c in CRITERES},
        **{f"poids_{c}": de_la_methode(appliquee.poids.get(c)) for c in criteres},
        "plafond_methode": de_la_methode(appliquee.plafond),
        "plafond": [compares.plafonds.get(i) for i in lignes],
        "motif_taux": [motifs[i] for i in lignes],
        "taux_calcule": [taux[i] for i in lignes],
        "montant_socle": socles,
        "montant_avant_enveloppe": avant,
        "repartition": methode.repartition,
        "taux_moyen_cible": methode.taux_moyen,
        "enveloppe_region": [(options.enveloppes or {}).get(r) for r in table["region"]],
        "enveloppe_disponible": repartition.disponible,
        "total_avant_enveloppe": repartition.total,
        "montant_module": modules,
        "taux_effectif": [taux_effectif(m, s) for m, s in zip(modules, socles, strict=True)],
        **regularisation,
        "taux_precedent": [
            precedent[i].taux if i in precedent else None for i in table["identifiant"]
        ],
        "montant_precedent": [
            precedent[i].montant if i in precedent else None for i in table["identifiant"]
        ],
        "methode": methode.nom,
        "notation": methode.notation,
        "justification": [justifs[i] for i in lignes],
        "anomalies": [
            " ; ".join(
                ([_attention_ligne(options.annee)] if attention else []) + notes_par_index[i]
            )
            for i in lignes
        ],
        **_termes(table),
        **{
            f"{nom}_{c}": [compares.rangs[c].get(i, (None, None))[k] for i in lignes]
            for c in criteres
            for k, nom in enumerate(("rang", "effectif"))
        },
    }
    for nom in methode.optionnels:
        colonne = CRITERES_OPTIONNELS[nom].colonne
        colonnes[colonne] = table[colonne]
        colonnes[f"part_{nom}"] = indicateurs[nom].affiches()
        colonnes[f"score_{nom}"] = [compares.scores[nom].get(i) for i in lignes]
        # un texte : « » hors classement (une colonne de textes pandas ferait de None « nan »)
        colonnes[f"sens_{nom}"] = [methode.sens_de(nom) if c else "" for c in compares_lignes]
    resultats = pd.DataFrame(colonnes, index=table.index)[
        list(colonnes_du_grand_livre(methode.optionnels))
    ]
    avertissements = ([attention] if attention else []) + params.signalements()
    if options.annee == ANNEE_FORFAIT:
        avertissements += enveloppes_2014_depassees(
            table["region"], modules, options.enveloppes, taux[0] if taux else Decimal(0)
        )
    if options.annee == ANNEE_FORFAIT and methode != methode_par_defaut(methode.notation):
        avertissements.append(
            f"Campagne 2014 : taux forfaitaire de la note 2014-04 pour toutes les structures ; "
            f"la méthode « {methode.nom} » n'est pas appliquée."
        )
    return CalculModulation(
        resultats,
        repartition.bilan,
        params.pour_le_manifeste(),
        rapport,
        appliquee,
        avertissements,
    )


def enveloppes_2014_depassees(
    regions: Sequence[str],
    modules: list[Decimal],
    enveloppes: dict[str, Decimal] | None,
    forfait: Decimal,
) -> list[str]:
    """2014 : l'enveloppe régionale (notifiée par la note 2014-04 elle-même) est un contrôle ;
    quand les montants au taux forfaitaire la dépassent, un avertissement le dit, sans réduire
    aucun montant (le taux de 2014 est fixé)."""
    totaux: dict[str, Decimal] = {}
    for region, module in zip(regions, modules, strict=True):
        totaux[region] = totaux.get(region, Decimal(0)) + module
    return [
        f"ENVELOPPE 2014 DÉPASSÉE – région {region} : {taux_fr(forfait)} des montants socles "
        f"font {montant_fr(totaux[region])}, {montant_fr(totaux[region] - enveloppe)} de plus "
        f"que l'enveloppe régionale de {montant_fr(enveloppe)}. Les montants ne sont pas réduits "
        f"({CITATION_FORFAIT_2014}) : vérifiez l'enveloppe notifiée et les montants socles."
        for region, enveloppe in sorted((enveloppes or {}).items())
        if region in totaux and totaux[region] > enveloppe
    ]


def _remarques_socle(
    donnees: DonneesSIAE, table: pd.DataFrame, notes: list[list[str]], rapport: RapportValidation
) -> None:
    """Un socle éloigné de ETP × socle par ETP est aussi une remarque du rapport (écrite dans
    le résumé du calcul), pas seulement une note du grand livre."""
    socles = table["montant_socle"].tolist()
    for ligne, socle, socle_note in zip(table["ligne_source"], socles, notes, strict=True):
        if socle is not None and socle_note:
            rapport.ajouter(
                Anomalie(
                    Path(donnees.fichier).name,
                    donnees.feuille,
                    int(ligne),
                    "montant_socle",
                    str(socle),
                    socle_note[0],
                    False,
                )
            )


def _attention_ligne(annee: int) -> str:
    """Ce que la colonne `anomalies` de chaque structure dit d'une année sans arrêté."""
    return (
        f"ATTENTION : aucun arrêté enregistré pour {annee}, paramètres des années précédentes "
        "appliqués (voir le résumé du calcul)"
    )


def _termes(table: pd.DataFrame) -> dict[str, list[Any]]:
    """Numérateur et dénominateur de chaque indicateur, tels que les données les donnent
    (sorties dynamiques : emploi durable + de transition + positives, vide si aucune)."""
    dynamiques = sorties_dynamiques(table)
    return {
        colonne: dynamiques if colonne == "sorties_dynamiques" else _colonne(table, colonne)
        for colonne in COLONNES_TERMES
    }


def _regulariser(
    table: pd.DataFrame,
    modules: list[Decimal],
    options: OptionsCalcul,
    notes: dict[int, list[str]],
) -> dict[str, list[Decimal | None]]:
    """Colonnes de la régularisation 2015 (note 2014-04) : versement et postes 2014, déduction,
    reste à déduire de l'aide au poste et montant net à verser."""
    colonnes: dict[str, list[Decimal | None]] = {c: [] for c in COLONNES_REGULARISATION}
    versements = options.versements_2014 or {}
    if not versements:  # aucune régularisation : le net est le montant modulé
        vides: list[Decimal | None] = [None] * len(modules)
        return {c: list(modules) if c == "montant_net" else list(vides) for c in colonnes}
    tirees = [cle_versement(i) for i in table["identifiant"]]
    doubles = sorted(c for c, n in Counter(tirees).items() if n > 1 and c in versements)
    if doubles:
        raise ErreurCalcul(
            f"Versement 2014 de {', '.join(doubles)} tiré par plusieurs annexes : il serait "
            "déduit plusieurs fois ; un versement 2014 n'est régularisé qu'une fois."
        )
    for i, (cle, module) in enumerate(zip(tirees, modules, strict=True)):
        versement = versements.get(cle)
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
