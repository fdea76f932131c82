"""Le contrôle indépendant d'un grand livre relu (`resultats.csv`) : chaque nombre refait depuis
les colonnes de la même ligne, du même groupe et de la même région, et les paramètres datés de
la campagne, avec une arithmétique à part, simple et exacte (`fractions.Fraction`, tri ordinaire).

Ce module n'appelle ni `modulation` ni `montants`, qui produisent le grand livre : une erreur du
calcul, ou un fichier retouché puis remis d'accord avec son manifeste, ne passe pas parce que le
contrôle referait la même faute. Ce qu'il refait (design, « Default modulation method ») :

- chaque indicateur = numérateur / dénominateur de ses colonnes de termes, à 4 décimales ;
- dans chaque groupe (type × région, hors taux fixes), le rang croissant de chaque indicateur,
  ex-æquo moyennés, et l'effectif comparé ; score `rang` = (r − 1) / (n − 1) (n = 1 : 0,5),
  `minmax` = (v − min) / (max − min) (max = min : 0,5), non calculable : 0,5 ; le motif du taux ;
- le taux = taux maximal × Σ poids × score (note 2014-04, annexe 2), à 4 décimales moitié vers
  le haut ; 5 % forfaitaire en 2014 ; taux fixe du milieu pénitentiaire ;
- montant avant enveloppe = socle × taux au centime (moitié vers le haut) ;
- par région : l'enveloppe (une seule, celle du manifeste du calcul), la part des taux fixes, le
  total réduit, chaque montant réduit = avant × disponible / total au centime inférieur, et le
  total de la région jamais au-dessus de son enveloppe ;
- taux effectif = modulé ÷ socle ; régularisation 2015 = versé × max(0 ; conventionnés −
  réalisés) / conventionnés au centime ; net = max(0 ; modulé − régularisation) ; reste.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from iae_modulation import parametres
from iae_modulation.formats import nombre_fr

CRITERES = ("publics", "effort", "resultats")
TERMES = {
    "publics": ("nb_beneficiaires_minima", "nb_salaries_insertion"),
    "effort": ("etp_encadrement", "etp_insertion"),
    "resultats": ("sorties_dynamiques", "sorties_totales"),
}
LIBELLES = {"publics": "publics", "effort": "effort", "resultats": "résultats"}
COMPARES = ("classement", "seule dans son groupe", "non calculable")
FORFAIT, PENITENTIAIRE = "forfait 2014", "milieu pénitentiaire"
ANNEE_FORFAIT, ANNEE_REGULARISATION = 2014, 2015
DEMI = Fraction(1, 2)

Signaler = Callable[[int | None, str | None, str, str], None]


def arrondi(valeur: Fraction, decimales: int) -> Fraction:
    """Arrondi d'un rationnel positif à `decimales` décimales, la moitié vers le haut."""
    echelle = 10**decimales
    return Fraction((valeur * echelle + DEMI).__floor__(), echelle)


def plancher_centime(valeur: Fraction) -> Fraction:
    """Arrondi au centime inférieur."""
    return Fraction((valeur * 100).__floor__(), 100)


def exact(valeur: Decimal | None) -> Fraction | None:
    return None if valeur is None else Fraction(valeur)


@dataclass(frozen=True)
class Regles:
    """Les paramètres de la campagne, lus à leur date dans `parametres/` (None : sans valeur)."""

    taux_max: Fraction | None
    poids: dict[str, Fraction] | None
    taux_forfait: Fraction | None
    taux_penitentiaire: Fraction | None


def regles_de_la_campagne(annee: int) -> Regles:
    def lire(nom: str) -> Fraction | None:
        try:
            return Fraction(parametres.valeur(nom, dt.date(annee, 1, 1)).valeur)
        except (parametres.ErreurParametre, ValueError):
            return None

    poids = {c: lire(f"poids_{c}") for c in CRITERES}
    return Regles(
        lire("taux_modulation_max"),
        None if None in poids.values() else poids,
        lire("taux_forfaitaire_2014") if annee == ANNEE_FORFAIT else None,
        lire("taux_milieu_penitentiaire"),
    )


def _texte(valeur: Fraction | Decimal | None, decimales: int) -> str:
    if valeur is None:
        return "vide"
    if isinstance(valeur, Fraction):
        valeur = Decimal(valeur.numerator) / Decimal(valeur.denominator)
    return nombre_fr(valeur, decimales)


class _Controle:
    def __init__(self, annee: int, regles: Regles, signaler: Signaler) -> None:
        self.annee = annee
        self.regles = regles
        self.signaler = signaler
        self.scores: dict[int, dict[str, Fraction]] = {}  # id(ligne) -> critère -> score exact

    def egal(
        self, ligne: dict, colonne: str, attendu: Fraction | None, formule: str, decimales=2
    ) -> bool:
        lu = exact(ligne[colonne])
        if lu == attendu:
            return True
        self.signaler(
            ligne["ligne_source"],
            colonne,
            "" if lu is None else _texte(lu, decimales),
            f"{_texte(lu, decimales)} au lieu de {_texte(attendu, decimales)} ({formule}).",
        )
        return False

    def vide(self, ligne: dict, colonnes, pourquoi: str) -> None:
        for colonne in colonnes:
            if ligne[colonne] is not None:
                self.signaler(
                    ligne["ligne_source"],
                    colonne,
                    _texte(ligne[colonne], 4),
                    f"vide attendu : {pourquoi}.",
                )

    # --- indicateurs, rangs et scores --------------------------------------------------------

    def indicateurs(self, ligne: dict) -> dict[str, Fraction | None]:
        valeurs = {}
        for critere, (numerateur, denominateur) in TERMES.items():
            num, den = exact(ligne[numerateur]), exact(ligne[denominateur])
            valeur = None if num is None or not den else num / den
            attendu = None if valeur is None else arrondi(valeur, 4)
            self.egal(ligne, critere, attendu, f"{numerateur} / {denominateur}, à 4 décimales", 4)
            valeurs[critere] = valeur
        return valeurs

    def groupe(self, membres: list[tuple[dict, dict]]) -> None:
        """Les structures comparées d'un groupe (type × région) : motif, rangs, scores."""
        for ligne, valeurs in membres:
            motif = (
                "seule dans son groupe"
                if len(membres) == 1
                else "non calculable"
                if all(v is None for v in valeurs.values())
                else "classement"
            )
            if ligne["motif_taux"] != motif:
                self.signaler(
                    ligne["ligne_source"],
                    "motif_taux",
                    ligne["motif_taux"],
                    f"« {motif} » attendu (groupe {ligne['type']} {ligne['region']} de "
                    f"{len(membres)} structure(s) comparée(s) dans ce grand livre).",
                )
        for critere in CRITERES:
            tries = sorted(v[critere] for _, v in membres if v[critere] is not None)
            n = len(tries)
            for ligne, valeurs in membres:
                valeur = valeurs[critere]
                score = DEMI if valeur is None or n < 2 else None
                if ligne["methode"] == "rang":
                    rang = None
                    if valeur is not None:
                        dessous = bisect_left(tries, valeur)
                        rang = dessous + Fraction(bisect_right(tries, valeur) - dessous + 1, 2)
                        score = score if score is not None else (rang - 1) / (n - 1)
                    self.rang(ligne, critere, rang, None if rang is None else n)
                else:
                    self.vide(
                        ligne,
                        (f"rang_{critere}", f"effectif_{critere}"),
                        f"notation « {ligne['methode']} », sans rang",
                    )
                    bas, haut = (tries[0], tries[-1]) if tries else (0, 0)
                    if score is None:
                        score = DEMI if bas == haut else (valeur - bas) / (haut - bas)
                self.scores[id(ligne)][critere] = score
                self.egal(
                    ligne,
                    f"score_{critere}",
                    arrondi(score, 4),
                    f"score {LIBELLES[critere]} refait dans le groupe, à 4 décimales",
                    4,
                )

    def rang(self, ligne: dict, critere: str, rang: Fraction | None, n: int | None) -> None:
        for colonne, attendu in ((f"rang_{critere}", rang), (f"effectif_{critere}", n)):
            self.egal(
                ligne,
                colonne,
                None if attendu is None else Fraction(attendu),
                f"{LIBELLES[critere]} : rang croissant dans le groupe {ligne['type']} "
                f"{ligne['region']}, ex-æquo moyennés, parmi les indicateurs calculables",
                1,
            )

    # --- taux et montants --------------------------------------------------------------------

    def bornes(self, ligne: dict) -> None:
        """Un taux va de 0 au taux maximal de la campagne (R. 5132-8 et suivants)."""
        if self.regles.taux_max is None:
            return
        for colonne in ("taux_calcule", "taux_effectif"):
            taux = exact(ligne[colonne])
            if taux is not None and taux > self.regles.taux_max:
                self.signaler(
                    ligne["ligne_source"],
                    colonne,
                    _texte(taux, 4),
                    f"taux de {_texte(taux * 100, 2)} % : le montant modulé va de 0 à "
                    f"{_texte(self.regles.taux_max * 100, 0)} % du montant socle.",
                )

    def taux(self, ligne: dict) -> None:
        """Le taux refait depuis les scores exacts et les paramètres (structures comparées)."""
        regles = self.regles
        if regles.taux_max is None or regles.poids is None:
            attendu, formule = None, f"aucun taux maximal ni poids en vigueur en {self.annee}"
        else:
            scores = self.scores[id(ligne)]
            somme = sum(regles.poids[c] * scores[c] for c in CRITERES)
            attendu = arrondi(regles.taux_max * somme, 4)
            formule = (
                f"{_texte(regles.taux_max * 100, 0)} % × ("
                + " + ".join(
                    f"{_texte(regles.poids[c], 2)} × score {LIBELLES[c]}" for c in CRITERES
                )
                + "), scores refaits dans le groupe, à 4 décimales"
            )
        self.egal(ligne, "taux_calcule", attendu, formule, 4)

    def taux_fixe(self, ligne: dict) -> None:
        """Le taux d'une structure hors classement (2014, milieu pénitentiaire)."""
        if ligne["motif_taux"] == FORFAIT:
            attendu, formule = self.regles.taux_forfait, "taux forfaitaire de 2014 (note 2014-04)"
        else:
            attendu, formule = self.regles.taux_penitentiaire, "taux fixe du milieu pénitentiaire"
        if attendu is None:
            formule = f"{formule} : aucun en vigueur en {self.annee}"
        self.egal(ligne, "taux_calcule", attendu, formule, 4)

    def avant(self, ligne: dict) -> None:
        self.egal(
            ligne,
            "montant_avant_enveloppe",
            arrondi(exact(ligne["montant_socle"]) * exact(ligne["taux_calcule"]), 2),
            "montant socle × taux calculé, au centime",
        )

    def region(
        self, region: str, lignes: list[dict], consignees: dict[str, Decimal] | None
    ) -> None:
        """L'enveloppe d'une région (celle que le manifeste du calcul a consignée, quand
        `consignees` est donné), sa répartition, et le total de la région."""
        enveloppes = {ligne["enveloppe_region"] for ligne in lignes}
        premiere = lignes[0]["ligne_source"]
        if len(enveloppes) > 1:
            self.signaler(
                premiere,
                "enveloppe_region",
                "",
                f"région {region} : {len(enveloppes)} enveloppes différentes ; une seule par "
                "région.",
            )
            return
        enveloppe = exact(enveloppes.pop())
        if consignees is not None and exact(consignees.get(region)) != enveloppe:
            self.signaler(
                premiere,
                "enveloppe_region",
                _texte(enveloppe, 2),
                f"région {region} : enveloppe {_texte(enveloppe, 2)} au lieu de "
                f"{_texte(exact(consignees.get(region)), 2)}, celle que le calcul a reçue "
                "(manifeste.json).",
            )
        if enveloppe is not None and self.annee == ANNEE_FORFAIT:
            self.signaler(
                premiere, "enveloppe_region", _texte(enveloppe, 2), "aucune enveloppe en 2014."
            )
        avant = {id(ligne): exact(ligne["montant_avant_enveloppe"]) for ligne in lignes}
        fixes = [ligne for ligne in lignes if ligne["motif_taux"] == PENITENTIAIRE]
        total = sum(avant.values())
        part_fixe = sum(avant[id(ligne)] for ligne in fixes)
        reduire = enveloppe is not None and total > enveloppe
        disponible, a_reduire = (enveloppe - part_fixe, total - part_fixe) if reduire else (0, 0)
        if reduire and disponible < 0:
            self.signaler(
                premiere,
                "enveloppe_region",
                _texte(enveloppe, 2),
                f"région {region} : enveloppe inférieure aux montants à taux fixe "
                f"({_texte(part_fixe, 2)}).",
            )
            return
        for ligne in lignes:
            montant = avant[id(ligne)]
            reduite = reduire and montant and ligne["motif_taux"] != PENITENTIAIRE
            if not reduite:
                self.vide(
                    ligne,
                    ("enveloppe_disponible", "total_avant_enveloppe"),
                    "l'enveloppe de la région ne réduit pas ce montant",
                )
                self.egal(ligne, "montant_module", montant, "montant avant enveloppe")
                continue
            self.egal(
                ligne,
                "enveloppe_disponible",
                disponible,
                f"enveloppe {region} moins les montants à taux fixe de la région",
            )
            self.egal(
                ligne,
                "total_avant_enveloppe",
                a_reduire,
                f"somme des montants avant enveloppe réduits de la région {region}",
            )
            self.egal(
                ligne,
                "montant_module",
                plancher_centime(montant * disponible / a_reduire),
                "montant avant enveloppe × enveloppe disponible / total avant enveloppe, au "
                "centime inférieur",
            )
        modules = sum(exact(ligne["montant_module"]) or 0 for ligne in lignes)
        if enveloppe is not None and modules > enveloppe:
            self.signaler(
                None,
                "montant_module",
                _texte(modules, 2),
                f"région {region} : total des montants modulés {_texte(modules, 2)} € "
                f"supérieur à son enveloppe de {_texte(enveloppe, 2)} €.",
            )

    def apres_enveloppe(self, ligne: dict) -> None:
        socle, module = exact(ligne["montant_socle"]), exact(ligne["montant_module"])
        self.egal(
            ligne,
            "taux_effectif",
            arrondi(module / socle, 4) if socle else None,
            "montant modulé ÷ montant socle, à 4 décimales",
            4,
        )
        versement = [
            exact(ligne[c])
            for c in ("montant_verse_2014", "etp_conventionnes_2014", "etp_realises_2014")
        ]
        if ligne["regularisation"] is None and versement == [None] * 3:
            self.egal(ligne, "montant_net", module, "montant modulé (sans régularisation)")
            self.vide(ligne, ("reste_a_deduire",), "reste à déduire sans régularisation")
            return
        verse, conventionnes, realises = versement
        if self.annee != ANNEE_REGULARISATION or None in versement or not conventionnes:
            self.signaler(
                ligne["ligne_source"],
                "montant_verse_2014",
                "",
                "régularisation des versements 2014 : seulement en 2015, avec le montant versé "
                "en 2014, les ETP conventionnés 2014 (non nuls) et les ETP réalisés 2014.",
            )
            return
        deduction = arrondi(verse * max(0, conventionnes - realises) / conventionnes, 2)
        self.egal(
            ligne,
            "regularisation",
            deduction,
            "montant versé 2014 × max(0 ; conventionnés − réalisés) / conventionnés",
        )
        self.egal(
            ligne, "reste_a_deduire", max(0, deduction - module), "max(0 ; régularisation − modulé)"
        )
        self.egal(
            ligne,
            "montant_net",
            max(0, module - deduction),
            "max(0 ; montant modulé − régularisation)",
        )


def controler(
    lignes: list[dict],
    annee: int,
    signaler: Signaler,
    enveloppes: dict[str, Decimal] | None = None,
    *,
    ecartees: set[int] = frozenset(),
    regles: Regles | None = None,
) -> None:
    """Refait les nombres des `lignes` (dict, Decimal ou None) d'un grand livre de `annee` et
    signale chaque écart (ligne, colonne, valeur, message).

    `enveloppes` : celles que le manifeste du calcul a consignées, par région (None : pas de
    manifeste à comparer). `ecartees` : numéros des lignes dont une cellule est déjà refusée
    (illisible, absente) ; elles ne sont pas refaites, et s'il y en a, rien de ce qui dépend de
    plusieurs lignes (rangs, enveloppes) ne l'est : chaque ligne lisible est refaite seule."""
    controle = _Controle(annee, regles or regles_de_la_campagne(annee), signaler)
    saines = [ligne for ligne in lignes if ligne["ligne_source"] not in ecartees]
    groupes: dict[tuple[str, str], list] = defaultdict(list)
    regions: dict[str, list[dict]] = defaultdict(list)
    for ligne in saines:
        controle.scores[id(ligne)] = {}
        controle.bornes(ligne)
        valeurs = controle.indicateurs(ligne)
        regions[ligne["region"]].append(ligne)
        if ligne["motif_taux"] in COMPARES:
            groupes[(ligne["type"], ligne["region"])].append((ligne, valeurs))
        else:
            controle.taux_fixe(ligne)
            controle.vide(
                ligne,
                [f"{n}_{c}" for n in ("score", "rang", "effectif") for c in CRITERES],
                f"motif « {ligne['motif_taux']} », hors classement",
            )
        controle.avant(ligne)
        controle.apres_enveloppe(ligne)
    if ecartees:
        return
    for membres in groupes.values():
        controle.groupe(membres)
        for ligne, _ in membres:
            controle.taux(ligne)
    for region, membres in regions.items():
        controle.region(region, membres, enveloppes)
