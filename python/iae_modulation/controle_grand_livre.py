"""Le contrôle indépendant d'un grand livre relu (`resultats.csv`) : chaque nombre refait depuis
les colonnes de la même ligne, du même groupe et de la même région, et les paramètres datés de
la campagne, avec une arithmétique à part, simple et exacte : rationnels en couples d'entiers
(numérateur, dénominateur), tri ordinaire, arrondis écrits ici.

Ce module n'appelle ni `modulation`, ni `scores`, ni `repartition`, ni `montants`, qui
produisent le grand livre : une erreur du calcul, ou un fichier retouché puis remis d'accord
avec son manifeste, ne passe pas parce que le contrôle referait la même faute. Ce qu'il refait
(docs/conception.md, « Méthode par défaut » ; docs/methode.md) :

- chaque indicateur = numérateur / dénominateur de ses colonnes de termes, à 4 décimales (les
  critères facultatifs : leur colonne / salariés en insertion) ;
- la méthode : une seule par grand livre (nom, notation, groupes, poids, plafond, répartition,
  taux moyen visé) ; poids de somme 100 % ; plafond de la méthode au plus le taux maximal de
  l'arrêté ; plafond de chaque structure = le plus bas de celui de la méthode et du sien ;
- dans chaque groupe (colonne `groupe` : type × région ou type × département, une seule règle),
  le rang croissant de chaque indicateur, ex-æquo moyennés, et l'effectif comparé ; score
  `rang` = (r − 1) / (n − 1) (n = 1 : 0,5), `minmax` = (v − min) / (max − min) (max = min : 0,5),
  non calculable : 0,5, sens « moins » : 1 − score ; le motif du taux ;
- le taux = plafond × Σ poids × score, à 4 décimales moitié vers le haut ; 5 % forfaitaire en
  2014 ; taux fixe du milieu pénitentiaire quand la règle de la date est un taux fixe ;
- montant avant enveloppe = socle × taux au centime (moitié vers le haut) ;
- par région, selon la règle : `plafond` (réduction quand le total dépasse l'enveloppe),
  `totale` (toute l'enveloppe) ou `taux-moyen` (cible × socles, au plus l'enveloppe) répartis en
  proportion, les plafonds atteints retirés tour à tour jusqu'à ce que plus aucun ne soit
  dépassé, chaque montant au centime inférieur ; jamais plus que l'enveloppe, jamais un montant
  au-dessus de socle × plafond ; en 2014, l'enveloppe n'est qu'un contrôle (jamais répartie) ;
- taux effectif = modulé ÷ socle ; régularisation 2015 = versé × max(0 ; conventionnés −
  réalisés) / conventionnés au centime ; net = max(0 ; modulé − régularisation) ; reste.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from functools import cmp_to_key, partial
from itertools import groupby

from iae_modulation import parametres
from iae_modulation.formats import nombre_fr
from iae_modulation.indicateurs import CRITERES_OPTIONNELS
from iae_modulation.parametres import ANNEE_FORFAIT, ANNEE_REGULARISATION

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
# Colonnes de la méthode, une seule valeur par grand livre ; vides pour une structure hors
# classement (taux fixe) quand elles ne disent que le classement.
METHODE_PARTOUT = ("methode", "notation", "repartition", "taux_moyen_cible")
METHODE_CLASSEES = ("plafond_methode",)

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


def somme(a: Rationnel, b: Rationnel) -> Rationnel:
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


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


def _comparer_positions(valeurs: list[Rationnel], a: int, b: int) -> int:
    return comparer(valeurs[a], valeurs[b])


def rangs_doubles(valeurs: list[Rationnel]) -> list[int]:
    """Deux fois le rang croissant de chaque valeur, ex-æquo moyennés (rang 2,5 -> 5). Tri sur
    les flottants n / d, correctement arrondis, donc dans l'ordre exact ; deux valeurs de même
    flottant sont départagées exactement (produits en croix)."""
    ordre = sorted(range(len(valeurs)), key=lambda k: valeurs[k][0] / valeurs[k][1])
    exact_ordre: list[int] = []
    for _, meme_cle in groupby(ordre, key=lambda k: valeurs[k][0] / valeurs[k][1]):
        bloc = list(meme_cle)
        if len(bloc) > 1:
            bloc.sort(key=cmp_to_key(partial(_comparer_positions, valeurs)))
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
    taux_forfait: Decimal | None
    taux_penitentiaire: Decimal | None
    regle_penitentiaire: str | None  # « taux_fixe » ou « plafond » (regle_milieu_penitentiaire)
    taux_max_eiti: Decimal | None

    def plafond_legal(self, ligne: dict) -> Decimal | None:
        """Le plafond que fixent les textes pour une structure classée : celui du milieu
        pénitentiaire (règle du plafond), des EITI, sinon le taux maximal de la campagne."""
        if ligne["motif_taux"] == PENITENTIAIRE_PLAFOND:
            return self.taux_penitentiaire
        if ligne["type"] == "EITI":
            return self.taux_max_eiti
        return self.taux_max


def _exposant(valeur: Decimal) -> int:
    """L'exposant d'un Decimal fini (0 pour un infini ou un NaN, que la relecture refuse)."""
    exposant = valeur.as_tuple().exponent
    return exposant if isinstance(exposant, int) else 0


def regles_de_la_campagne(annee: int) -> Regles:
    def lire(nom: str) -> Decimal | str | None:
        try:
            return parametres.valeur(nom, dt.date(annee, 1, 1)).valeur
        except (parametres.ErreurParametre, ValueError):
            return None

    def nombre(nom: str) -> Decimal | None:
        lu = lire(nom)
        return lu if isinstance(lu, Decimal) else None

    regle = lire("regle_milieu_penitentiaire")
    return Regles(
        nombre("taux_modulation_max"),
        nombre("taux_forfaitaire_2014") if annee == ANNEE_FORFAIT else None,
        nombre("taux_milieu_penitentiaire"),
        regle if isinstance(regle, str) else None,
        nombre("taux_modulation_max_eiti"),
    )


def _texte(valeur: Decimal | None, decimales: int) -> str:
    return "vide" if valeur is None else nombre_fr(valeur, decimales)


def _poids(valeur: Decimal) -> str:
    """Un poids en fraction, au moins deux décimales : 0,35 ; 0,125."""
    return nombre_fr(valeur, max(2, -_exposant(valeur.normalize())))


def _pourcent(fraction: Decimal) -> str:
    """0,1 -> « 10 », 0,075 -> « 7,5 » (sans zéros inutiles)."""
    valeur = (fraction * 100).normalize()
    return nombre_fr(valeur, max(0, -_exposant(valeur)))


def criteres_du_grand_livre(ligne: dict) -> tuple[str, ...]:
    """Les critères de la méthode : les trois de la note, puis chaque critère facultatif dont
    le grand livre porte le poids (colonne `poids_<critère>`)."""
    return CRITERES + tuple(
        cle[len("poids_") :]
        for cle in ligne
        if cle.startswith("poids_") and cle[len("poids_") :] not in CRITERES
    )


def termes(critere: str) -> tuple[str, str, str]:
    """(colonne de l'indicateur, numérateur, dénominateur) d'un critère du grand livre ; un
    critère facultatif est la part de sa colonne parmi les salariés en insertion."""
    if critere in TERMES:
        return (critere, *TERMES[critere])
    return f"part_{critere}", CRITERES_OPTIONNELS[critere].colonne, "nb_salaries_insertion"


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
            if ligne[colonne] not in (None, ""):
                self.signaler(
                    ligne["ligne_source"],
                    colonne,
                    str(ligne[colonne])[:40],
                    f"vide attendu : {pourquoi}.",
                )

    # --- la méthode du grand livre -----------------------------------------------------------

    def methode(self, lignes: list[dict], classees: list[dict], criteres: tuple[str, ...]) -> None:
        """Une seule méthode par grand livre ; poids de somme 100 % ; plafond de la méthode au
        plus le taux maximal de l'arrêté ; taux moyen visé avec la seule règle « taux-moyen »."""
        colonnes = [(c, lignes) for c in METHODE_PARTOUT] + [
            (c, classees)
            for c in (*METHODE_CLASSEES, *(f"poids_{k}" for k in criteres))
            + tuple(f"sens_{k}" for k in criteres if k not in CRITERES)
        ]
        for colonne, concernees in colonnes:
            valeurs = {ligne[colonne] for ligne in concernees}
            if len(valeurs) > 1:
                self.signaler(
                    concernees[0]["ligne_source"],
                    colonne,
                    ", ".join(sorted(map(str, valeurs)))[:60],
                    "une seule valeur par grand livre : c'est la méthode de la campagne.",
                )
        premiere = lignes[0]
        if (premiere["repartition"] == "taux-moyen") != (premiere["taux_moyen_cible"] is not None):
            self.signaler(
                premiere["ligne_source"],
                "taux_moyen_cible",
                _texte(premiere["taux_moyen_cible"], 4),
                "un taux moyen visé va avec la répartition « taux-moyen », et seulement elle.",
            )
        if not classees:
            return
        ligne = classees[0]
        poids = [ligne[f"poids_{c}"] for c in criteres]
        if None in poids or sum(poids, Decimal(0)) != 1:
            self.signaler(
                ligne["ligne_source"],
                "poids_publics",
                ", ".join(_texte(p, 4) for p in poids),
                "les poids des critères font 100 % (somme de 1).",
            )
        maximum, plafond = self.regles.taux_max, ligne["plafond_methode"]
        if plafond is None or maximum is None or plafond > maximum or plafond <= 0:
            self.signaler(
                ligne["ligne_source"],
                "plafond_methode",
                _texte(plafond, 4),
                f"le plafond d'une méthode va de plus de 0 au taux maximal de l'arrêté "
                f"({_texte(maximum, 4)} en {self.annee}) : une méthode peut l'abaisser, jamais "
                "le dépasser.",
            )
        for critere in criteres[len(CRITERES) :]:
            if ligne[f"sens_{critere}"] not in ("plus", "moins"):
                self.signaler(
                    ligne["ligne_source"],
                    f"sens_{critere}",
                    ligne[f"sens_{critere}"],
                    "plus ou moins.",
                )

    def groupes(self, classees: list[dict]) -> dict[str, list[dict]]:
        """Les groupes du grand livre, une seule règle : type × région ou type × département."""
        regles = {"région": "region", "département": "departement"}
        tenues = [
            nom
            for nom, colonne in regles.items()
            if all(ligne["groupe"] == f"{ligne['type']} {ligne[colonne]}" for ligne in classees)
        ]
        if classees and not tenues:
            fautive = next(
                ligne
                for ligne in classees
                if ligne["groupe"] != f"{ligne['type']} {ligne['region']}"
            )
            self.signaler(
                fautive["ligne_source"],
                "groupe",
                fautive["groupe"],
                "un groupe est « type région » ou « type département », une seule règle pour "
                "tout le grand livre (« ACI Grand Est » ou « ACI 51 »).",
            )
        groupes: dict[str, list[dict]] = defaultdict(list)
        for ligne in classees:
            groupes[ligne["groupe"]].append(ligne)
        return groupes

    # --- indicateurs, rangs et scores --------------------------------------------------------

    def indicateurs(self, ligne: dict, criteres: tuple[str, ...]) -> dict[str, Rationnel | None]:
        valeurs = {}
        for critere in criteres:
            colonne, numerateur, denominateur = termes(critere)
            num, den = ligne[numerateur], ligne[denominateur]
            valeur = None if num is None or not den else quotient(exact(num), exact(den))
            self.egal(
                ligne,
                colonne,
                None if valeur is None else arrondi(valeur, 4),
                f"{numerateur} / {denominateur}, à 4 décimales",
                4,
            )
            valeurs[critere] = valeur
        return valeurs

    def groupe(self, membres: list[tuple[dict, dict]], criteres: tuple[str, ...]) -> None:
        """Les structures comparées d'un groupe : motif, rangs, scores."""
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
                    f"« {motif} » attendu (groupe {ligne['groupe']} de "
                    f"{len(membres)} structure(s) comparée(s) dans ce grand livre).",
                )
        for critere in criteres:
            self.critere(membres, critere)

    def critere(self, membres: list[tuple[dict, dict]], critere: str) -> None:
        calculables = [
            (id(ligne), valeurs[critere])
            for ligne, valeurs in membres
            if valeurs[critere] is not None
        ]
        n = len(calculables)
        valeurs_du_groupe = [valeur for _, valeur in calculables]
        doubles = dict(
            zip((cle for cle, _ in calculables), rangs_doubles(valeurs_du_groupe), strict=True)
        )
        ordre = cmp_to_key(comparer)
        bornes = (
            (min(valeurs_du_groupe, key=ordre), max(valeurs_du_groupe, key=ordre))
            if calculables
            else None
        )
        libelle = LIBELLES.get(critere, critere)
        for ligne, valeurs in membres:
            valeur = valeurs[critere]
            score = DEMI if valeur is None or n < 2 else None
            if ligne["notation"] == "rang":
                double = doubles.get(id(ligne))
                if score is None:
                    if double is None:
                        raise ValueError(f"{critere} : rang introuvable")
                    score = (double - 2, 2 * (n - 1))  # (r − 1) / (n − 1)
                self.rang(ligne, critere, double, n if double else None)
            else:
                self.vide(
                    ligne,
                    (f"rang_{critere}", f"effectif_{critere}"),
                    f"notation « {ligne['notation']} », sans rang",
                )
                if score is None:
                    if bornes is None:
                        raise ValueError(f"{critere} : bornes introuvables")
                    score = self.minmax(valeur, *bornes)
            if ligne.get(f"sens_{critere}") == "moins":
                score = (score[1] - score[0], score[1])  # 1 − score
            self.scores[id(ligne)][critere] = score
            self.egal(
                ligne,
                f"score_{critere}",
                arrondi(score, 4),
                f"score {libelle} refait dans le groupe, à 4 décimales",
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
                f"{LIBELLES.get(critere, critere)} : rang croissant dans le groupe "
                f"{ligne['groupe']}, ex-æquo moyennés, parmi les indicateurs calculables",
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

    def plafond(self, ligne: dict) -> Decimal | None:
        """Le plafond d'une structure classée : le plus bas de celui de la méthode et de celui
        que les textes lui fixent ; la colonne `plafond` le dit, et le taux ne le dépasse pas.
        Le taux effectif peut le dépasser d'un arrondi sur un tout petit socle (10 % de 1,05 € =
        0,11 €, soit 10,48 %) : il est seulement refait (`apres_enveloppe`)."""
        legal, methode = self.regles.plafond_legal(ligne), ligne["plafond_methode"]
        attendu = None if legal is None or methode is None else min(legal, methode)
        self.egal(
            ligne,
            "plafond",
            attendu,
            "le plus bas du plafond de la méthode et de celui que les textes fixent à la "
            "structure (EITI, milieu pénitentiaire)",
            4,
        )
        taux = ligne["taux_calcule"]
        if attendu is not None and taux is not None and taux > attendu:
            self.signaler(
                ligne["ligne_source"],
                "taux_calcule",
                _texte(taux, 4),
                f"taux de {_texte(taux * 100, 2)} % : le montant modulé va de 0 à "
                f"{_pourcent(attendu)} % du montant socle.",
            )
        return attendu

    def taux(self, ligne: dict, criteres: tuple[str, ...]) -> None:
        """Le taux refait depuis les scores exacts, les poids et le plafond de la ligne."""
        plafond = self.plafond(ligne)
        poids = {c: ligne[f"poids_{c}"] for c in criteres}
        if plafond is None or None in poids.values():
            attendu, formule = None, f"aucun plafond ni poids en vigueur en {self.annee}"
        else:
            total: Rationnel = (0, 1)  # Σ poids × score
            for critere in criteres:
                total = somme(
                    total, produit(exact(poids[critere]), self.scores[id(ligne)][critere])
                )
            attendu = arrondi(produit(exact(plafond), total), 4)
            formule = (
                f"{_pourcent(plafond)} % × ("
                + " + ".join(f"{_poids(poids[c])} × score {LIBELLES.get(c, c)}" for c in criteres)
                + "), scores refaits dans le groupe, à 4 décimales"
            )
        self.egal(ligne, "taux_calcule", attendu, formule, 4)

    def taux_fixe(self, ligne: dict, criteres: tuple[str, ...]) -> None:
        """Le taux d'une structure hors classement (2014, milieu pénitentiaire)."""
        if ligne["motif_taux"] == FORFAIT:
            attendu, formule = self.regles.taux_forfait, "taux forfaitaire de 2014 (note 2014-04)"
        else:
            self.regle_penitentiaire(ligne)
            attendu, formule = self.regles.taux_penitentiaire, "taux fixe du milieu pénitentiaire"
        if attendu is None:
            formule = f"{formule} : aucun en vigueur en {self.annee}"
        self.egal(ligne, "taux_calcule", attendu, formule, 4)
        self.vide(
            ligne,
            [f"{n}_{c}" for n in ("score", "rang", "effectif", "poids") for c in criteres]
            + [f"sens_{c}" for c in criteres if c not in CRITERES]
            + ["plafond", "plafond_methode", "groupe"],
            f"motif « {ligne['motif_taux']} », hors classement",
        )

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
        `consignees` est donné), sa répartition selon la règle, et le total de la région."""
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
        if self.annee == ANNEE_FORFAIT:
            enveloppe = None  # 2014 : un contrôle (avertissement du calcul), jamais réparti
        regle = lignes[0]["repartition"]
        a_repartir = self.a_repartir(region, lignes, regle, enveloppe)
        fixes = [ligne for ligne in lignes if ligne["motif_taux"] in (PENITENTIAIRE, FORFAIT)]
        part_fixe = sum((ligne["montant_avant_enveloppe"] for ligne in fixes), Decimal(0))
        if a_repartir is not None and a_repartir < part_fixe:
            self.signaler(
                premiere,
                "enveloppe_region",
                _texte(enveloppe, 2),
                f"région {region} : montant à répartir inférieur aux montants à taux fixe "
                f"({_texte(part_fixe, 2)}).",
            )
            return
        candidates = [
            ligne
            for ligne in lignes
            if ligne not in fixes and ligne["montant_avant_enveloppe"] and a_repartir is not None
        ]
        plafonnees, disponible, total = self.niveau(
            candidates, (a_repartir or 0) - part_fixe, regle
        )
        for ligne in lignes:
            self.montant_reparti(ligne, ligne in candidates, ligne in plafonnees, disponible, total)
        modules = sum((ligne["montant_module"] for ligne in lignes), Decimal(0))
        plafond_region = a_repartir if a_repartir is not None else enveloppe
        if plafond_region is not None and modules > plafond_region:
            self.signaler(
                None,
                "montant_module",
                _texte(modules, 2),
                f"région {region} : total des montants modulés {_texte(modules, 2)} € "
                f"supérieur à son enveloppe de {_texte(plafond_region, 2)} €.",
            )

    def a_repartir(
        self, region: str, lignes: list[dict], regle: str, enveloppe: Decimal | None
    ) -> Decimal | None:
        """Ce que la région répartit : l'enveloppe dépassée (règle plafond), toute l'enveloppe
        (totale), cible × total des socles au centime inférieur, au plus l'enveloppe
        (taux-moyen) ; None : rien n'est réparti."""
        total = sum((ligne["montant_avant_enveloppe"] for ligne in lignes), Decimal(0))
        if regle == "plafond":
            return enveloppe if enveloppe is not None and total > enveloppe else None
        if regle == "totale":
            if enveloppe is None:
                self.signaler(
                    lignes[0]["ligne_source"],
                    "enveloppe_region",
                    "",
                    f"région {region} : la répartition « totale » répartit une enveloppe, "
                    "aucune n'est donnée.",
                )
            return enveloppe
        cible = lignes[0]["taux_moyen_cible"] or Decimal(0)
        socles = sum((ligne["montant_socle"] for ligne in lignes), Decimal(0))
        montant = plancher_centime(produit(exact(cible), exact(socles)))
        return montant if enveloppe is None else min(montant, enveloppe)

    @staticmethod
    def cap(ligne: dict) -> Decimal:
        """Le montant au plafond de la structure : socle × plafond, au centime."""
        return arrondi(produit(exact(ligne["montant_socle"]), exact(ligne["plafond"])), 2)

    def niveau(
        self, candidates: list[dict], disponible: Decimal, regle: str
    ) -> tuple[list[dict], Decimal, Decimal]:
        """Les structures plafonnées et ce qui reste à répartir en proportion entre les autres :
        tant qu'une part (montant × disponible / total) atteint le plafond d'une structure,
        elle le reçoit et sort du partage ; on recommence jusqu'à ce qu'aucune ne change. La
        règle « plafond » ne fait que réduire : aucun plafond n'y est atteint."""
        total = sum((ligne["montant_avant_enveloppe"] for ligne in candidates), Decimal(0))
        plafonnees: list[dict] = []
        while regle != "plafond":
            nouvelles = [
                ligne
                for ligne in candidates
                if ligne not in plafonnees
                and ligne["plafond"] is not None
                and comparer(
                    produit(exact(ligne["montant_avant_enveloppe"]), exact(disponible)),
                    produit(exact(self.cap(ligne)), exact(total)),
                )
                >= 0
            ]
            if not nouvelles:
                break
            plafonnees += nouvelles
            disponible -= sum((self.cap(ligne) for ligne in nouvelles), Decimal(0))
            total -= sum((ligne["montant_avant_enveloppe"] for ligne in nouvelles), Decimal(0))
        return plafonnees, disponible, total

    def montant_reparti(
        self, ligne: dict, repartie: bool, plafonnee: bool, disponible: Decimal, total: Decimal
    ) -> None:
        montant = ligne["montant_avant_enveloppe"]
        if not repartie or plafonnee:
            self.vide(
                ligne,
                ("enveloppe_disponible", "total_avant_enveloppe"),
                "ce montant n'est pas réparti en proportion",
            )
            if plafonnee:
                self.egal(
                    ligne,
                    "montant_module",
                    self.cap(ligne),
                    "montant au plafond : socle × plafond, au centime",
                )
            else:
                self.egal(ligne, "montant_module", montant, "montant avant enveloppe")
        else:
            self.egal(
                ligne,
                "enveloppe_disponible",
                disponible,
                "montant à répartir de la région, moins les montants à taux fixe et ceux des "
                "structures à leur plafond",
            )
            self.egal(
                ligne,
                "total_avant_enveloppe",
                total,
                "somme des montants avant enveloppe répartis en proportion dans la région",
            )
            self.egal(
                ligne,
                "montant_module",
                plancher_centime(
                    quotient(produit(exact(montant), exact(disponible)), exact(total))
                ),
                "montant avant enveloppe × enveloppe disponible / total avant enveloppe, au "
                "centime inférieur",
            )
        if ligne["plafond"] is not None and ligne["montant_module"] > self.cap(ligne):
            self.signaler(
                ligne["ligne_source"],
                "montant_module",
                _texte(ligne["montant_module"], 2),
                f"au-dessus du montant au plafond de la structure, {_texte(self.cap(ligne), 2)} "
                "€ (socle × plafond).",
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
        if ligne["montant_precedent"] is None:
            self.vide(ligne, ("taux_precedent",), "taux de la campagne précédente sans montant")
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
                f"régularisation des versements 2014 : seulement en {ANNEE_REGULARISATION}, avec "
                "le montant versé "
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
    ecartees: AbstractSet[int] = frozenset(),
    regles: Regles | None = None,
) -> None:
    """Refait les nombres des `lignes` (dict, Decimal ou None) d'un grand livre de `annee` et
    signale chaque écart (ligne, colonne, valeur, message).

    `enveloppes` : celles que le manifeste du calcul a consignées, par région (None : pas de
    manifeste à comparer). `ecartees` : numéros des lignes dont une cellule est déjà refusée
    (illisible, absente) ; elles ne sont pas refaites, et s'il y en a, rien de ce qui dépend de
    plusieurs lignes (méthode, rangs, enveloppes) ne l'est : chaque ligne lisible est refaite
    seule."""
    controle = _Controle(annee, regles or regles_de_la_campagne(annee), signaler)
    saines = [ligne for ligne in lignes if ligne["ligne_source"] not in ecartees]
    if not saines:
        return
    criteres = criteres_du_grand_livre(saines[0])
    regions: dict[str, list[dict]] = defaultdict(list)
    classees, valeurs = [], {}
    for ligne in saines:
        controle.scores[id(ligne)] = {}
        valeurs[id(ligne)] = controle.indicateurs(ligne, criteres)
        regions[ligne["region"]].append(ligne)
        if ligne["motif_taux"] in COMPARES:
            classees.append(ligne)
        else:
            controle.taux_fixe(ligne, criteres)
        controle.avant(ligne)
        controle.apres_enveloppe(ligne)
    if ecartees:
        for ligne in classees:
            controle.plafond(ligne)
        return
    controle.methode(saines, classees, criteres)
    for membres in controle.groupes(classees).values():
        controle.groupe([(ligne, valeurs[id(ligne)]) for ligne in membres], criteres)
        for ligne in membres:
            controle.taux(ligne, criteres)
    for region, membres in regions.items():
        controle.region(region, membres, enveloppes)
