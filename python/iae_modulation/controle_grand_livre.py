"""Le contrôle indépendant d'un grand livre relu (`resultats.csv`) : chaque nombre refait depuis
les colonnes de la même ligne, du même groupe et de la même région, et les paramètres datés de
la campagne, avec une arithmétique à part, simple et exacte : rationnels en couples d'entiers
(numérateur, dénominateur), tri ordinaire, arrondis écrits ici.

Ce module n'appelle ni `modulation` ni `montants`, qui produisent le grand livre : une erreur du
calcul, ou un fichier retouché puis remis d'accord avec son manifeste, ne passe pas parce que le
contrôle referait la même faute. Ce qu'il refait (design, « Default modulation method ») :

- chaque indicateur = numérateur / dénominateur de ses colonnes de termes, à 4 décimales ;
- dans chaque groupe (type × région, hors taux fixes), le rang croissant de chaque indicateur,
  ex-æquo moyennés, et l'effectif comparé ; score `rang` = (r − 1) / (n − 1) (n = 1 : 0,5),
  `minmax` = (v − min) / (max − min) (max = min : 0,5), non calculable : 0,5 ; le motif du taux ;
- le taux = plafond × Σ poids × score (note 2014-04, annexe 2), à 4 décimales moitié vers
  le haut ; le plafond est le taux maximal de la campagne, celui des EITI, ou celui du milieu
  pénitentiaire quand la règle de la date est un plafond ; 5 % forfaitaire en 2014 ; taux fixe du
  milieu pénitentiaire quand la règle de la date est un taux fixe ;
- montant avant enveloppe = socle × taux au centime (moitié vers le haut) ;
- par région : l'enveloppe (une seule, celle du manifeste du calcul), la part des taux fixes, le
  total réduit, chaque montant réduit = avant × disponible / total au centime inférieur, et le
  total de la région jamais au-dessus de son enveloppe ;
- taux effectif = modulé ÷ socle ; régularisation 2015 = versé × max(0 ; conventionnés −
  réalisés) / conventionnés au centime ; net = max(0 ; modulé − régularisation) ; reste.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cmp_to_key
from itertools import groupby

from iae_modulation import parametres
from iae_modulation.formats import nombre_fr

CRITERES = ("publics", "effort", "resultats")
TERMES = {
    "publics": ("nb_beneficiaires_minima", "nb_salaries_insertion"),
    "effort": ("etp_encadrement", "etp_insertion"),
    "resultats": ("sorties_dynamiques", "sorties_totales"),
}
LIBELLES = {"publics": "publics", "effort": "effort", "resultats": "résultats"}
FORFAIT, PENITENTIAIRE = "forfait 2014", "milieu pénitentiaire"
PENITENTIAIRE_PLAFOND = "milieu pénitentiaire, plafond"
COMPARES = ("classement", "seule dans son groupe", "non calculable", PENITENTIAIRE_PLAFOND)
REGLES_PENITENTIAIRES = {PENITENTIAIRE: "taux_fixe", PENITENTIAIRE_PLAFOND: "plafond"}
ANNEE_FORFAIT, ANNEE_REGULARISATION = 2014, 2015

Rationnel = tuple[int, int]  # (numérateur, dénominateur > 0), valeur exacte
DEMI: Rationnel = (1, 2)
Signaler = Callable[[int | None, str | None, str, str], None]


def exact(valeur: Decimal) -> Rationnel:
    return valeur.as_integer_ratio()


def quotient(a: Rationnel, b: Rationnel) -> Rationnel:
    """a ÷ b, b > 0."""
    return a[0] * b[1], a[1] * b[0]


def produit(a: Rationnel, b: Rationnel) -> Rationnel:
    return a[0] * b[0], a[1] * b[1]


def arrondi(valeur: Rationnel, decimales: int) -> Decimal:
    """Un rationnel positif arrondi à `decimales` décimales, la moitié vers le haut."""
    numerateur, denominateur = valeur
    echelle = 10**decimales
    return Decimal((2 * numerateur * echelle + denominateur) // (2 * denominateur)).scaleb(
        -decimales
    )


def plancher_centime(valeur: Rationnel) -> Decimal:
    """Un rationnel positif arrondi au centime inférieur."""
    return Decimal(valeur[0] * 100 // valeur[1]).scaleb(-2)


def comparer(a: Rationnel, b: Rationnel) -> int:
    return (a[0] * b[1] > b[0] * a[1]) - (a[0] * b[1] < b[0] * a[1])


def rangs_doubles(valeurs: list[Rationnel]) -> list[int]:
    """Deux fois le rang croissant de chaque valeur, ex-æquo moyennés (rang 2,5 -> 5). Tri sur
    les flottants n / d, correctement arrondis, donc dans l'ordre exact ; deux valeurs de même
    flottant sont départagées exactement (produits en croix)."""
    ordre = sorted(range(len(valeurs)), key=lambda k: valeurs[k][0] / valeurs[k][1])
    exact_ordre = []
    for _, bloc in groupby(ordre, key=lambda k: valeurs[k][0] / valeurs[k][1]):
        bloc = list(bloc)
        if len(bloc) > 1:
            bloc.sort(key=cmp_to_key(lambda a, b: comparer(valeurs[a], valeurs[b])))
        exact_ordre += bloc
    doubles = [0] * len(valeurs)
    debut = 0
    while debut < len(exact_ordre):
        fin = debut
        while fin + 1 < len(exact_ordre) and not comparer(
            valeurs[exact_ordre[fin + 1]], valeurs[exact_ordre[debut]]
        ):
            fin += 1
        for position in range(debut, fin + 1):
            doubles[exact_ordre[position]] = debut + fin + 2  # (debut + 1) + (fin + 1)
        debut = fin + 1
    return doubles


@dataclass(frozen=True)
class Regles:
    """Les paramètres de la campagne, lus à leur date dans `parametres/` (None : sans valeur)."""

    taux_max: Decimal | None
    poids: dict[str, Decimal] | None
    taux_forfait: Decimal | None
    taux_penitentiaire: Decimal | None
    regle_penitentiaire: str | None  # « taux_fixe » ou « plafond » (regle_milieu_penitentiaire)
    taux_max_eiti: Decimal | None

    def plafond(self, ligne: dict) -> Decimal | None:
        """Le plafond du taux d'une structure classée : celui du milieu pénitentiaire (règle du
        plafond), des EITI, sinon le taux maximal de la campagne."""
        if ligne["motif_taux"] == PENITENTIAIRE_PLAFOND:
            return self.taux_penitentiaire
        if ligne["type"] == "EITI":
            return self.taux_max_eiti
        return self.taux_max


def regles_de_la_campagne(annee: int) -> Regles:
    def lire(nom: str) -> Decimal | str | None:
        try:
            return parametres.valeur(nom, dt.date(annee, 1, 1)).valeur
        except (parametres.ErreurParametre, ValueError):
            return None

    poids = {c: lire(f"poids_{c}") for c in CRITERES}
    return Regles(
        lire("taux_modulation_max"),
        None if None in poids.values() else poids,
        lire("taux_forfaitaire_2014") if annee == ANNEE_FORFAIT else None,
        lire("taux_milieu_penitentiaire"),
        lire("regle_milieu_penitentiaire"),
        lire("taux_modulation_max_eiti"),
    )


def _texte(valeur: Decimal | None, decimales: int) -> str:
    return "vide" if valeur is None else nombre_fr(valeur, decimales)


class _Controle:
    def __init__(self, annee: int, regles: Regles, signaler: Signaler) -> None:
        self.annee = annee
        self.regles = regles
        self.signaler = signaler
        self.scores: dict[int, dict[str, Rationnel]] = {}  # id(ligne) -> critère -> score

    def egal(
        self, ligne: dict, colonne: str, attendu: Decimal | None, formule: str, decimales=2
    ) -> bool:
        lu = ligne[colonne]
        if lu == attendu:
            return True
        self.signaler(
            ligne["ligne_source"],
            colonne,
            "" if lu is None else _texte(lu, decimales),
            f"{_texte(lu, decimales)} au lieu de {_texte(attendu, decimales)} ({formule}).",
        )
        return False

    def vide(self, ligne: dict, colonnes: Iterable[str], pourquoi: str) -> None:
        for colonne in colonnes:
            if ligne[colonne] is not None:
                self.signaler(
                    ligne["ligne_source"],
                    colonne,
                    _texte(ligne[colonne], 4),
                    f"vide attendu : {pourquoi}.",
                )

    # --- indicateurs, rangs et scores --------------------------------------------------------

    def indicateurs(self, ligne: dict) -> dict[str, Rationnel | None]:
        valeurs = {}
        for critere, (numerateur, denominateur) in TERMES.items():
            num, den = ligne[numerateur], ligne[denominateur]
            valeur = None if num is None or not den else quotient(exact(num), exact(den))
            self.egal(
                ligne,
                critere,
                None if valeur is None else arrondi(valeur, 4),
                f"{numerateur} / {denominateur}, à 4 décimales",
                4,
            )
            valeurs[critere] = valeur
        return valeurs

    def groupe(self, membres: list[tuple[dict, dict]]) -> None:
        """Les structures comparées d'un groupe (type × région) : motif, rangs, scores."""
        for ligne, valeurs in membres:
            if ligne["motif_taux"] == PENITENTIAIRE_PLAFOND:
                self.regle_penitentiaire(ligne)
                continue
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
            calculables = [
                (id(ligne), valeurs[critere])
                for ligne, valeurs in membres
                if valeurs[critere] is not None
            ]
            n = len(calculables)
            valeurs_du_groupe = [valeur for _, valeur in calculables]
            doubles = dict(
                zip(
                    (cle for cle, _ in calculables),
                    rangs_doubles(valeurs_du_groupe),
                    strict=True,
                )
            )
            ordre = cmp_to_key(comparer)
            bornes = (
                (min(valeurs_du_groupe, key=ordre), max(valeurs_du_groupe, key=ordre))
                if calculables
                else None
            )
            for ligne, valeurs in membres:
                valeur = valeurs[critere]
                score = DEMI if valeur is None or n < 2 else None
                if ligne["methode"] == "rang":
                    double = doubles.get(id(ligne))
                    if score is None:
                        score = (double - 2, 2 * (n - 1))  # (r − 1) / (n − 1)
                    self.rang(ligne, critere, double, n if double else None)
                else:
                    self.vide(
                        ligne,
                        (f"rang_{critere}", f"effectif_{critere}"),
                        f"notation « {ligne['methode']} », sans rang",
                    )
                    if score is None:
                        score = self.minmax(valeur, *bornes)
                self.scores[id(ligne)][critere] = score
                self.egal(
                    ligne,
                    f"score_{critere}",
                    arrondi(score, 4),
                    f"score {LIBELLES[critere]} refait dans le groupe, à 4 décimales",
                    4,
                )

    @staticmethod
    def minmax(valeur: Rationnel, bas: Rationnel, haut: Rationnel) -> Rationnel:
        """(v − min) / (max − min) ; max = min : 0,5."""
        ecart = haut[0] * bas[1] - bas[0] * haut[1]  # (max − min) × dénominateurs
        if not ecart:
            return DEMI
        return (
            (valeur[0] * bas[1] - bas[0] * valeur[1]) * haut[1],
            ecart * valeur[1],
        )

    def rang(self, ligne: dict, critere: str, double: int | None, n: int | None) -> None:
        attendus = (
            (f"rang_{critere}", None if double is None else Decimal(double) / 2),
            (f"effectif_{critere}", None if n is None else Decimal(n)),
        )
        for colonne, attendu in attendus:
            self.egal(
                ligne,
                colonne,
                attendu,
                f"{LIBELLES[critere]} : rang croissant dans le groupe {ligne['type']} "
                f"{ligne['region']}, ex-æquo moyennés, parmi les indicateurs calculables",
                1,
            )

    # --- taux et montants --------------------------------------------------------------------

    def regle_penitentiaire(self, ligne: dict) -> None:
        """Le motif d'une structure en milieu pénitentiaire suit la règle de la date : taux
        fixe (socle propre, hors classement) ou plafond (classée sous son plafond)."""
        attendue = REGLES_PENITENTIAIRES[ligne["motif_taux"]]
        if self.regles.regle_penitentiaire != attendue:
            self.signaler(
                ligne["ligne_source"],
                "motif_taux",
                ligne["motif_taux"],
                f"motif « {ligne['motif_taux']} » : la règle du milieu pénitentiaire en "
                f"{self.annee} est « {self.regles.regle_penitentiaire or 'sans valeur'} » "
                "(paramètre regle_milieu_penitentiaire).",
            )

    def bornes(self, ligne: dict) -> None:
        """Un taux calculé va de 0 au plafond de la structure (R. 5132-8 et suivants). Le
        taux effectif peut le dépasser d'un arrondi sur un tout petit socle (10 % de 1,05 € =
        0,11 €, soit 10,48 %) : il est seulement refait (`apres_enveloppe`)."""
        maximum, taux = self.regles.plafond(ligne), ligne["taux_calcule"]
        if maximum is not None and taux is not None and taux > maximum:
            self.signaler(
                ligne["ligne_source"],
                "taux_calcule",
                _texte(taux, 4),
                f"taux de {_texte(taux * 100, 2)} % : le montant modulé va de 0 à "
                f"{_texte(maximum * 100, 0)} % du montant socle.",
            )

    def taux(self, ligne: dict) -> None:
        """Le taux refait depuis les scores exacts et les paramètres (structures comparées)."""
        regles = self.regles
        plafond = regles.plafond(ligne)
        if plafond is None or regles.poids is None:
            attendu, formule = None, f"aucun plafond ni poids en vigueur en {self.annee}"
        else:
            somme: Rationnel = (0, 1)  # Σ poids × score
            for critere, score in self.scores[id(ligne)].items():
                poids = exact(regles.poids[critere])
                terme = produit(poids, score)
                somme = (somme[0] * terme[1] + terme[0] * somme[1], somme[1] * terme[1])
            attendu = arrondi(produit(exact(plafond), somme), 4)
            formule = (
                f"{_texte(plafond * 100, 0)} % × ("
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
            self.regle_penitentiaire(ligne)
            attendu, formule = self.regles.taux_penitentiaire, "taux fixe du milieu pénitentiaire"
        if attendu is None:
            formule = f"{formule} : aucun en vigueur en {self.annee}"
        self.egal(ligne, "taux_calcule", attendu, formule, 4)

    def avant(self, ligne: dict) -> None:
        self.egal(
            ligne,
            "montant_avant_enveloppe",
            arrondi(produit(exact(ligne["montant_socle"]), exact(ligne["taux_calcule"])), 2),
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
        enveloppe = enveloppes.pop()
        if consignees is not None and consignees.get(region) != enveloppe:
            self.signaler(
                premiere,
                "enveloppe_region",
                _texte(enveloppe, 2),
                f"région {region} : enveloppe {_texte(enveloppe, 2)} au lieu de "
                f"{_texte(consignees.get(region), 2)}, celle que le calcul a reçue "
                "(manifeste.json).",
            )
        if enveloppe is not None and self.annee == ANNEE_FORFAIT:
            self.signaler(
                premiere, "enveloppe_region", _texte(enveloppe, 2), "aucune enveloppe en 2014."
            )
        total = sum((ligne["montant_avant_enveloppe"] for ligne in lignes), Decimal(0))
        fixes = [ligne for ligne in lignes if ligne["motif_taux"] == PENITENTIAIRE]
        part_fixe = sum((ligne["montant_avant_enveloppe"] for ligne in fixes), Decimal(0))
        reduire = enveloppe is not None and total > enveloppe
        if reduire and enveloppe < part_fixe:
            self.signaler(
                premiere,
                "enveloppe_region",
                _texte(enveloppe, 2),
                f"région {region} : enveloppe inférieure aux montants à taux fixe "
                f"({_texte(part_fixe, 2)}).",
            )
            return
        disponible, a_reduire = (enveloppe - part_fixe, total - part_fixe) if reduire else (0, 1)
        for ligne in lignes:
            montant = ligne["montant_avant_enveloppe"]
            if not (reduire and montant and ligne["motif_taux"] != PENITENTIAIRE):
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
                plancher_centime(
                    quotient(produit(exact(montant), exact(disponible)), exact(a_reduire))
                ),
                "montant avant enveloppe × enveloppe disponible / total avant enveloppe, au "
                "centime inférieur",
            )
        modules = sum((ligne["montant_module"] for ligne in lignes), Decimal(0))
        if enveloppe is not None and modules > enveloppe:
            self.signaler(
                None,
                "montant_module",
                _texte(modules, 2),
                f"région {region} : total des montants modulés {_texte(modules, 2)} € "
                f"supérieur à son enveloppe de {_texte(enveloppe, 2)} €.",
            )

    def apres_enveloppe(self, ligne: dict) -> None:
        socle, module = ligne["montant_socle"], ligne["montant_module"]
        self.egal(
            ligne,
            "taux_effectif",
            arrondi(quotient(exact(module), exact(socle)), 4) if socle else None,
            "montant modulé ÷ montant socle, à 4 décimales",
            4,
        )
        versement = [
            ligne[c] for c in ("montant_verse_2014", "etp_conventionnes_2014", "etp_realises_2014")
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
        (c, d), (r, e) = exact(conventionnes), exact(realises)
        non_realises = (max(0, c * e - r * d), d * e)  # max(0 ; conventionnés − réalisés)
        deduction = arrondi(quotient(produit(exact(verse), non_realises), (c, d)), 2)
        self.egal(
            ligne,
            "regularisation",
            deduction,
            "montant versé 2014 × max(0 ; conventionnés − réalisés) / conventionnés",
        )
        self.egal(
            ligne,
            "reste_a_deduire",
            max(Decimal(0), deduction - module),
            "max(0 ; régularisation − modulé)",
        )
        self.egal(
            ligne,
            "montant_net",
            max(Decimal(0), module - deduction),
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
