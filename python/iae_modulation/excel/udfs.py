"""Fonctions de feuille de calcul (UDF xlwings, catégorie « IAE ») : portes minces sur le moteur.

Les trois indicateurs et leurs poids par défaut viennent de la note DGEFP n° 2014-04 (annexe 2),
le plafond du taux (10 % du montant socle) des arrêtés annuels : paramètres datés. Aucune règle
n'est écrite ici : chaque fonction convertit ce qu'Excel lui donne, appelle `indicateurs`,
`modulation` ou `parametres`, et rend un nombre ou un court message français (jamais une trace
Python).

Les arguments n'ont pas d'annotation de type : xlwings prendrait une annotation pour un
convertisseur. Le module `xlwings_udfs` du gabarit est généré depuis ces décorateurs.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache, wraps

import numpy as np
import xlwings as xw

from iae_modulation import indicateurs, methode, modulation, parametres, scores
from iae_modulation.colonnes import NOTATIONS
from iae_modulation.excel.tableau import DonneesInvalides, resultats_du_tableau
from iae_modulation.excel.valeurs import valeur_excel
from iae_modulation.lecture import est_erreur_excel, lire_effectif, lire_montant, lire_nombre
from iae_modulation.montants import montant_module
from iae_modulation.regles import REGLE_TAUX_FIXE
from iae_modulation.sorties import ErreurEntree

CATEGORIE = "IAE"
NON_CALCULABLE = "non calculable"
# Sans date, MODULATION prend les paramètres en vigueur aujourd'hui : le module VBA généré la rend
# volatile quand cet argument manque (Excel la recalcule alors à chaque recalcul, donc le
# lendemain d'un changement de paramètres).
VOLATILE_SANS = {"MODULATION": "jour"}
_NOMBRES = (float, int)


class ArgumentInvalide(ValueError):
    """Un argument de formule inutilisable ; le message s'affiche tel quel dans la cellule."""


def _message_en_cellule(fonction):
    """Une erreur attendue devient un court message dans la cellule, jamais une trace."""

    @wraps(fonction)
    def appel(*arguments):
        en_erreur = _argument_en_erreur(arguments)
        if en_erreur is not None:
            return (
                f"#IAE : un argument est une erreur d'Excel (« {en_erreur} »), pas une valeur : "
                "corrigez la cellule qu'il désigne"
            )
        try:
            return fonction(*arguments)
        except (
            ArgumentInvalide,
            DonneesInvalides,
            ErreurEntree,
            parametres.ErreurParametre,
            modulation.ErreurCalcul,
        ) as erreur:
            return f"#IAE : {erreur}"

    return appel


def _argument_en_erreur(arguments) -> str | None:
    """La première valeur d'erreur d'Excel (« #N/A », reçue en texte grâce à `err_to_str`)
    parmi les arguments et les plages d'une ligne ou d'une colonne ; un tableau entier
    (`MODULATION_TABLEAU`) est vérifié cellule par cellule par la validation des données."""
    for argument in arguments:
        valeurs = argument if isinstance(argument, list) else [argument]
        if valeurs and isinstance(valeurs[0], list):
            continue
        for valeur in valeurs:
            if isinstance(valeur, str) and est_erreur_excel(valeur):
                return valeur.strip()
    return None


def _nombre(
    valeur, nom: str, facultatif: bool = False, lire: Callable[[object], Decimal] = lire_nombre
) -> Decimal | None:
    """Nombre positif ou nul d'une cellule Excel en Decimal exact : un double tel quel, un
    texte (« 12,5 », « 1 234,56 € ») lu comme dans les fichiers (`lire` : `lire_montant` refuse
    « 295.600 », `lire_effectif` un effectif fractionnaire) ; négatif refusé, comme dans les
    données (un nombre de salariés, d'ETP ou de sorties, un socle, un taux)."""
    if valeur is None or valeur == "":
        if facultatif:
            return None
        raise ArgumentInvalide(f"{nom} manquant")
    if isinstance(valeur, bool):
        raise ArgumentInvalide(f"{nom} : nombre attendu")
    try:
        nombre = lire(valeur) if isinstance(valeur, str) else Decimal(repr(valeur))
    except (ValueError, InvalidOperation) as erreur:
        detail = str(erreur) if isinstance(valeur, str) else f"« {valeur} » n'est pas un nombre"
        raise ArgumentInvalide(f"{nom} : {detail}") from None
    if not nombre.is_finite() or nombre < 0:
        raise ArgumentInvalide(f"{nom} : « {valeur} » négatif ou infini, positif ou nul attendu")
    if lire is lire_effectif and nombre != nombre.to_integral_value():
        raise ArgumentInvalide(f"{nom} : « {valeur} » : un nombre de personnes est entier")
    return nombre


def _indicateur(valeur):
    """Valeur d'indicateur d'une cellule : nombre, ou None si « non calculable » ou vide."""
    if valeur is None or valeur == "" or isinstance(valeur, str):
        return None
    return valeur


# Jour 0 du calendrier « 1900 » d'Excel pour Windows (juste pour les séries à partir de 61,
# le 1er mars 1900) ; 2958465 est le 31/12/9999.
_EPOQUE_EXCEL = dt.date(1899, 12, 30)
_PREMIERE_SERIE, _DERNIERE_SERIE = 61, 2958465


def _jour(valeur, nom: str) -> dt.date:
    """Date d'un argument : cellule datée (datetime), texte JJ/MM/AAAA, ou numéro de série.

    `DATE(2026;1;1)` ou `AUJOURDHUI()` écrits dans la formule arrivent en nombre (46023), pas
    en date : seule une cellule au format date arrive en datetime.
    """
    if valeur is None or valeur == "":
        return dt.date.today()
    if isinstance(valeur, dt.datetime):
        return valeur.date()
    if isinstance(valeur, dt.date):
        return valeur
    if type(valeur) in _NOMBRES:
        if _PREMIERE_SERIE <= valeur <= _DERNIERE_SERIE:  # faux aussi pour NaN
            return _EPOQUE_EXCEL + dt.timedelta(days=int(valeur))
        raise ArgumentInvalide(f"{nom} : date attendue (JJ/MM/AAAA)")
    try:
        return dt.datetime.strptime(str(valeur).strip(), "%d/%m/%Y").date()
    except ValueError:
        raise ArgumentInvalide(f"{nom} : date attendue (JJ/MM/AAAA)") from None


def _ratio_excel(numerateur: Decimal | None, denominateur: Decimal | None, motif: str):
    resultat = indicateurs.ratio(numerateur, denominateur)
    return f"{NON_CALCULABLE} ({motif})" if resultat is None else valeur_excel(resultat)


@xw.func(category=CATEGORIE)
@xw.arg(
    "beneficiaires_minima",
    err_to_str=True,
    doc="Salariés en insertion bénéficiaires du RSA, de l'ASS ou de l'AAH",
)
@xw.arg("salaries_insertion", err_to_str=True, doc="Nombre de salariés en insertion")
@_message_en_cellule
def IAE_PUBLICS(beneficiaires_minima, salaries_insertion):
    """Indicateur « publics » : part des bénéficiaires de minima sociaux parmi les salariés en
    insertion (note 2014-04, annexe 2)."""
    return _ratio_excel(
        _nombre(beneficiaires_minima, "bénéficiaires de minima sociaux", True, lire_effectif),
        _nombre(salaries_insertion, "salariés en insertion", True, lire_effectif),
        indicateurs.MOTIFS_NON_CALCULABLE["publics"],
    )


@xw.func(category=CATEGORIE)
@xw.arg("etp_encadrement", err_to_str=True, doc="ETP d'encadrement technique et d'accompagnement")
@xw.arg("etp_insertion", err_to_str=True, doc="ETP en insertion")
@_message_en_cellule
def IAE_EFFORT(etp_encadrement, etp_insertion):
    """Indicateur « efforts d'insertion » : ETP d'encadrement / ETP en insertion (annexe 2)."""
    return _ratio_excel(
        _nombre(etp_encadrement, "ETP d'encadrement", facultatif=True),
        _nombre(etp_insertion, "ETP en insertion", facultatif=True),
        indicateurs.MOTIFS_NON_CALCULABLE["effort"],
    )


@xw.func(category=CATEGORIE)
@xw.arg("durables", err_to_str=True, doc="Sorties vers l'emploi durable")
@xw.arg("transition", err_to_str=True, doc="Sorties vers l'emploi de transition")
@xw.arg("positives", err_to_str=True, doc="Sorties positives")
@xw.arg("sorties_totales", err_to_str=True, doc="Sorties totales (retraits exclus)")
@_message_en_cellule
def IAE_RESULTATS(durables, transition, positives, sorties_totales):
    """Indicateur « résultats » : sorties dynamiques / sorties totales (annexe 2)."""
    dynamiques = [
        _nombre(v, nom, True, lire_effectif)
        for v, nom in (
            (durables, "emploi durable"),
            (transition, "emploi de transition"),
            (positives, "sorties positives"),
        )
    ]
    presentes = [v for v in dynamiques if v is not None]
    return _ratio_excel(
        sum(presentes, Decimal(0)) if presentes else None,
        _nombre(sorties_totales, "sorties totales", True, lire_effectif),
        indicateurs.MOTIFS_NON_CALCULABLE["resultats"],
    )


def _score(valeur, plage, notation: str) -> tuple[int, int]:
    """Score d'un critère dans son groupe, par la fonction du calcul (`scores.noter`) ;
    indicateur non calculable : score neutre 0,5.

    Les valeurs arrivent d'Excel en doubles, donc en rationnels exacts : deux ratios égaux
    donnent le même double, donc le même score que dans `iae-modulation calculer`.
    """
    valeur = _indicateur(valeur)
    if valeur is None:
        return scores.NEUTRE
    valeurs = [float(v) for v in _aplatir(plage) if type(v) in _NOMBRES]
    position = next((k for k, v in enumerate(valeurs) if v == float(valeur)), None)
    if position is None:
        raise ArgumentInvalide(
            f"la valeur {valeur} doit figurer dans la plage de son groupe (même type, même région)"
        )
    return _scores_du_groupe(tuple(valeurs), notation).score(position)


@lru_cache(maxsize=1024)
def _scores_du_groupe(valeurs: tuple[float, ...], notation: str) -> scores.Scores:
    """Les scores de tout un groupe, une fois : Excel appelle MODULATION pour chaque structure
    du groupe avec les mêmes plages, et les 39 autres appels d'un groupe de 40 relisent ceux du
    premier (mêmes valeurs, même notation : mêmes scores)."""
    groupe = np.zeros(len(valeurs), dtype=int)
    return scores.noter(groupe, indicateurs.indicateur_de_doubles(list(valeurs)), notation)


@lru_cache(maxsize=64)
def _methode_du_jour(notation: str, jour: dt.date) -> methode.MethodeAppliquee:
    """La méthode par défaut à une date : poids et taux maximal des paramètres datés."""
    return methode.appliquer(methode.methode_par_defaut(notation), jour, parametres.valeur)


def _aplatir(plage) -> list:
    """Les valeurs d'une plage (liste simple avec ndim=1, liste de lignes sinon, ou scalaire)."""
    if not isinstance(plage, list):
        return [plage]
    if plage and isinstance(plage[0], list):
        return [v for ligne in plage for v in ligne]
    return plage


def _notation(valeur) -> str:
    texte = str(valeur or "rang").strip().lower()
    if texte not in NOTATIONS:
        raise ArgumentInvalide(f"méthode « {valeur} » inconnue (rang ou minmax)")
    return texte


@xw.func(category=CATEGORIE)
@xw.arg("publics", err_to_str=True, doc="Indicateur publics de la structure (IAE_PUBLICS)")
@xw.arg(
    "effort", err_to_str=True, doc="Indicateur efforts d'insertion de la structure (IAE_EFFORT)"
)
@xw.arg("resultats", err_to_str=True, doc="Indicateur résultats de la structure (IAE_RESULTATS)")
@xw.arg(
    "plage_publics",
    err_to_str=True,
    ndim=1,
    doc="Indicateurs publics de son groupe (même type, même région)",
)
@xw.arg(
    "plage_effort", err_to_str=True, ndim=1, doc="Indicateurs efforts d'insertion de son groupe"
)
@xw.arg("plage_resultats", err_to_str=True, ndim=1, doc="Indicateurs résultats de son groupe")
@xw.arg("methode", err_to_str=True, doc="« rang » (par défaut) ou « minmax »")
@xw.arg(
    "jour",
    err_to_str=True,
    doc="Date des paramètres (poids, taux maximal) ; par défaut aujourd'hui",
)
@xw.arg(
    "milieu_penitentiaire",
    err_to_str=True,
    doc="VRAI pour une structure en établissement pénitentiaire : taux fixe ou plafond de la date",
)
@_message_en_cellule
def MODULATION(
    publics,
    effort,
    resultats,
    plage_publics,
    plage_effort,
    plage_resultats,
    methode="rang",
    jour=None,
    milieu_penitentiaire=False,
):
    """Taux de modulation d'une structure comparée à son groupe (note 2014-04), de 0 au
    plafond de la date (taux fixe ou plafond en établissement pénitentiaire)."""
    notation = _notation(methode)
    date = _jour(jour, "date")
    appliquee = _methode_du_jour(notation, date)
    plafond = appliquee.plafond
    if _vrai(milieu_penitentiaire):
        regle = parametres.valeur("regle_milieu_penitentiaire", date).valeur
        penitentiaire = parametres.valeur("taux_milieu_penitentiaire", date).valeur
        if regle == REGLE_TAUX_FIXE:
            return valeur_excel(penitentiaire)
        plafond = min(plafond, penitentiaire)
    notes = [
        _score(publics, plage_publics, notation),
        _score(effort, plage_effort, notation),
        _score(resultats, plage_resultats, notation),
    ]
    poids = [Decimal(appliquee.poids[c]).as_integer_ratio() for c in indicateurs.CRITERES]
    taux = scores.taux_exact(poids, notes, Decimal(plafond).as_integer_ratio())
    return valeur_excel(scores.arrondi_exact(*taux, 4))


def _vrai(valeur) -> bool:
    """VRAI d'Excel, ou « oui », « vrai », « 1 » écrits dans une cellule."""
    return valeur is True or str(valeur).strip().lower() in ("oui", "vrai", "1")


@xw.func(category=CATEGORIE)
@xw.arg("type_siae", err_to_str=True, doc="EI, ETTI, AI, ACI ou EITI")
@xw.arg("jour", err_to_str=True, doc="Date à laquelle le montant est en vigueur")
@xw.arg("mayotte", err_to_str=True, doc="VRAI pour le montant applicable à Mayotte")
@_message_en_cellule
def MONTANT_SOCLE(type_siae, jour, mayotte=False):
    """Montant socle annuel par ETP en vigueur à la date (arrêté annuel)."""
    a_mayotte = _vrai(mayotte)
    valeur = parametres.montant_socle_etp(str(type_siae or ""), _jour(jour, "date"), a_mayotte)
    return valeur_excel(valeur.valeur)


@xw.func(category=CATEGORIE)
@xw.arg("socle", err_to_str=True, doc="Montant socle de l'aide au poste (€)")
@xw.arg("taux", err_to_str=True, doc="Taux de modulation (ex. : 7,34 %)")
@_message_en_cellule
def MONTANT_MODULE(socle, taux):
    """Montant modulé : socle × taux, arrondi au centime (moitié vers le haut)."""
    return valeur_excel(
        montant_module(_nombre(socle, "socle", lire=lire_montant), _nombre(taux, "taux"))
    )


@xw.func(category=CATEGORIE)
@xw.arg(
    "table",
    ndim=2,
    err_to_str=True,  # une cellule en erreur arrive en « #N/A » et la table est refusée
    doc="Le tableau des structures, en-têtes compris (DonneesSIAE[#Tout])",
)
@xw.arg("annee", err_to_str=True, doc="Année de campagne")
@xw.arg("methode", err_to_str=True, doc="« rang » (par défaut) ou « minmax »")
@_message_en_cellule
def MODULATION_TABLEAU(table, annee, methode="rang"):
    """Résultats complets de toutes les structures en un seul appel (une ligne par structure)."""
    annee_entiere = _nombre(annee, "année")
    if annee_entiere != annee_entiere.to_integral_value():
        raise ArgumentInvalide(f"année « {annee} » : nombre entier attendu")
    return resultats_du_tableau(table, int(annee_entiere), _notation(methode))
