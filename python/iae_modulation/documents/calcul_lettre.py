"""Le calcul d'une structure, dit dans sa lettre avec les nombres du grand livre (note DGEFP
2014-04, annexe 4 ; docs/notifications.md, « Ce que dit la lettre »).

Une structure refait son taux et son montant avec ce que sa lettre montre :
- le tableau des critères : poids, termes et valeur de l'indicateur, rang « r sur n » dans son
  groupe (notation « rang ») ou plus faible et plus forte valeur du groupe (« minmax »), score ;
- le taux : plafond × somme des scores pondérés, arrondi à 0,01 point ;
- le montant calculé : montant socle × taux, au centime ;
- l'étape de l'enveloppe régionale : ce qui est pris d'abord (montants à taux fixe, structures à
  leur plafond), ce qui reste à répartir, le total qu'il partage, et la division.

Chaque nombre est lu dans le grand livre : la ligne de la structure, ou les lignes de sa région
et de son groupe (leurs sommes, leur plus faible et leur plus forte valeur).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from iae_modulation.colonnes import (
    MOTIF_FORFAIT_2014,
    MOTIF_PENITENTIAIRE,
    TERMES_INDICATEURS,
)
from iae_modulation.documents.methode import LIBELLES, criteres_de_la_ligne
from iae_modulation.formats import CENTIME, ESPACE_INSECABLE, montant_fr, nombre_fr, taux_fr
from iae_modulation.indicateurs import CRITERES_OPTIONNELS
from iae_modulation.methode import pourcent_fr

NON_CALCULABLE = f"non{ESPACE_INSECABLE}calculable"  # jamais coupé en fin de ligne
TIRET = "—"
# Les taux fixés par les textes, sans classement ni répartition
MOTIFS_FIXES = (MOTIF_FORFAIT_2014, MOTIF_PENITENTIAIRE)


def _definition(critere: str, minima: str, numerateur: str, denominateur: str) -> str:
    """L'indicateur avec ses deux termes : « 10 bénéficiaires de minima sociaux (RSA, ASS, AAH)
    / 22 salariés en insertion »."""
    if critere == "publics":
        return (
            f"{numerateur} bénéficiaires de minima sociaux ({minima}) / {denominateur} salariés "
            "en insertion"
        )
    if critere == "effort":
        return f"{numerateur} ETP d'encadrement / {denominateur} ETP en insertion"
    if critere == "resultats":
        return (
            f"{numerateur} sorties dynamiques (emploi durable, de transition, positives) / "
            f"{denominateur} sorties"
        )
    return f"{numerateur} {LIBELLES[critere]} / {denominateur} salariés en insertion"


def _termes(critere: str) -> tuple[str, str]:
    if critere in TERMES_INDICATEURS:
        return TERMES_INDICATEURS[critere]
    return CRITERES_OPTIONNELS[critere].colonne, "nb_salaries_insertion"


def _colonne_valeur(critere: str) -> str:
    return critere if critere in TERMES_INDICATEURS else f"part_{critere}"


def nombre_lu(valeur: Decimal | None) -> str:
    """Un terme tel que le grand livre l'écrit (« 10 », « 3,46 ») ; « — » s'il manque."""
    if valeur is None:
        return TIRET
    return nombre_fr(valeur, max(0, -int(valeur.as_tuple().exponent)))


def _insecable(texte: str) -> str:
    """Un calcul ou un nom de groupe jamais coupé en fin de ligne (« 10 / 22 = 45,45 % »)."""
    return texte.replace(" ", ESPACE_INSECABLE)


def _rang(valeur: Decimal) -> str:
    return nombre_fr(valeur, 0 if valeur == valeur.to_integral_value() else 1)


@dataclass(frozen=True)
class Region:
    """L'enveloppe d'une région et sa répartition, telles que les lignes du grand livre les
    donnent (docs/methode.md, « La répartition de l'enveloppe »)."""

    nom: str
    regle: str
    enveloppe: Decimal | None
    socles: Decimal  # total des montants socles de la région
    calcules: Decimal  # total des montants calculés (avant enveloppe)
    part_fixe: Decimal  # montants à taux fixe, pris d'abord
    plafonnees: int  # structures à leur plafond, prises d'abord (répartitions totale, taux-moyen)
    part_plafonnees: Decimal
    disponible: Decimal | None  # ce qui reste à répartir en proportion
    total: Decimal | None  # total des montants calculés qui le partagent
    taux_moyen: Decimal  # répartition « taux-moyen » ; 0 pour les autres règles

    @property
    def repartie(self) -> bool:
        """Vrai si l'enveloppe a été répartie (règle « plafond » : seulement si elle est
        dépassée)."""
        return self.regle != "plafond" or self.disponible is not None

    @property
    def a_repartir(self) -> Decimal:
        """Le montant réparti dans la région : le reste à répartir et ce qui a été pris
        d'abord."""
        return (self.disponible or Decimal(0)) + self.part_fixe + self.part_plafonnees


def _plafonnee(ligne: dict) -> bool:
    """Une structure au plafond dans une répartition `totale` ou `taux-moyen` : classée, un
    montant calculé non nul, hors du partage en proportion."""
    return (
        ligne["repartition"] != "plafond"
        and ligne["plafond"] is not None
        and bool(ligne["montant_avant_enveloppe"])
        and ligne["enveloppe_disponible"] is None
    )


def regions(lignes: list[dict]) -> dict[str, Region]:
    """Chaque région du grand livre, ses totaux et ce que son enveloppe a pris d'abord."""
    par_region: dict[str, list[dict]] = {}
    for ligne in lignes:
        par_region.setdefault(ligne["region"], []).append(ligne)
    resultat = {}
    for nom, membres in par_region.items():
        premiere = membres[0]
        reparties = [m for m in membres if m["enveloppe_disponible"] is not None]
        plafonnees = [m for m in membres if _plafonnee(m)]
        resultat[nom] = Region(
            nom=nom,
            regle=premiere["repartition"] or "plafond",
            enveloppe=premiere["enveloppe_region"],
            socles=sum((m["montant_socle"] for m in membres), Decimal(0)),
            calcules=sum((m["montant_avant_enveloppe"] for m in membres), Decimal(0)),
            part_fixe=sum(
                (m["montant_module"] for m in membres if m["motif_taux"] in MOTIFS_FIXES),
                Decimal(0),
            ),
            plafonnees=len(plafonnees),
            part_plafonnees=sum((m["montant_module"] for m in plafonnees), Decimal(0)),
            disponible=reparties[0]["enveloppe_disponible"] if reparties else None,
            total=reparties[0]["total_avant_enveloppe"] if reparties else None,
            taux_moyen=premiere["taux_moyen_cible"] or Decimal(0),
        )
    return resultat


def bornes_des_groupes(lignes: list[dict]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(groupe, critère) -> plus faible et plus forte valeur calculable du groupe, pour la
    notation « minmax »."""
    valeurs: dict[tuple[str, str], list[Decimal]] = {}
    for ligne in lignes:
        if ligne["plafond"] is None or ligne["notation"] != "minmax":
            continue
        for critere in criteres_de_la_ligne(ligne):
            valeur = ligne[_colonne_valeur(critere)]
            if valeur is not None:
                valeurs.setdefault((ligne["groupe"], critere), []).append(valeur)
    return {cle: (min(v), max(v)) for cle, v in valeurs.items()}


@dataclass(frozen=True)
class Campagne:
    """Ce que la lettre d'une structure lit dans les autres lignes du grand livre."""

    regions: dict[str, Region]
    bornes: dict[tuple[str, str], tuple[Decimal, Decimal]]

    @classmethod
    def du_grand_livre(cls, lignes: list[dict]) -> Campagne:
        return cls(regions(lignes), bornes_des_groupes(lignes))


def _retenus(ligne: dict) -> list[str]:
    """Les critères de la méthode qui pèsent dans le taux (poids non nul)."""
    return [c for c in criteres_de_la_ligne(ligne) if ligne[f"poids_{c}"]]


def tableau_criteres(
    ligne: dict, campagne: Campagne, minima: str
) -> tuple[list[str], list[list[str]]] | None:
    """Le tableau des critères (en-têtes, lignes) ; None pour un taux fixé par les textes
    (sans classement)."""
    if ligne["plafond"] is None:
        return None
    rang = ligne["notation"] == "rang"
    colonnes = [
        "Critère (poids)",
        "Indicateur",
        "Valeur",
        f"Rang ({_insecable(ligne['groupe'])})"
        if rang
        else f"Plus faible – plus forte ({_insecable(ligne['groupe'])})",
        "Score",
    ]
    lignes = []
    for critere in _retenus(ligne):
        numerateur, denominateur = _termes(critere)
        valeur = ligne[_colonne_valeur(critere)]
        if rang:
            position = (
                TIRET
                if ligne[f"rang_{critere}"] is None
                else f"{_rang(ligne[f'rang_{critere}'])} sur {ligne[f'effectif_{critere}']}"
            )
        else:
            bornes = campagne.bornes.get((ligne["groupe"], critere))
            position = TIRET if bornes is None else " – ".join(taux_fr(b) for b in bornes)
        lignes.append(
            [
                f"{LIBELLES[critere][0].upper()}{LIBELLES[critere][1:]} "
                f"({pourcent_fr(ligne[f'poids_{critere}'])})",
                _definition(
                    critere,
                    minima,
                    nombre_lu(ligne[numerateur]),
                    nombre_lu(ligne[denominateur]),
                ),
                NON_CALCULABLE if valeur is None else taux_fr(valeur),
                _insecable(position),
                nombre_fr(ligne[f"score_{critere}"], 4),
            ]
        )
    return colonnes, lignes


def calcul_taux(ligne: dict) -> str:
    """« Taux de modulation = plafond × somme des scores pondérés … : 10 % × (35 % × 0,1000 +
    …) = 6,45 %. » ; pour un taux fixé par les textes (dit par le motif), le taux seul."""
    if ligne["plafond"] is None:
        return f"Taux de modulation : {taux_fr(ligne['taux_calcule'])}."
    somme = " + ".join(
        f"{pourcent_fr(ligne[f'poids_{c}'])} × {nombre_fr(ligne[f'score_{c}'], 4)}"
        for c in _retenus(ligne)
    )
    return (
        "Taux de modulation = plafond × somme des scores pondérés, arrondi à 0,01 point : "
        f"{pourcent_fr(ligne['plafond'])} × ({somme}) = {taux_fr(ligne['taux_calcule'])}."
    )


def calcul_montant(ligne: dict) -> str:
    """« Montant calculé = montant socle × taux, arrondi au centime : … = 13 901,57 €. »"""
    return (
        "Montant calculé = montant socle de l'aide au poste conventionnée × taux, au centime : "
        f"{montant_fr(ligne['montant_socle'])} × {taux_fr(ligne['taux_calcule'])} = "
        f"{montant_fr(ligne['montant_avant_enveloppe'])}."
    )


def etape_enveloppe(ligne: dict, campagne: Campagne) -> str | None:
    """Ce que l'enveloppe régionale fait au montant de la structure, avec ses termes ; None
    sans enveloppe ni répartition, ou pour un montant calculé nul."""
    region = campagne.regions[ligne["region"]]
    if ligne["motif_taux"] in MOTIFS_FIXES:
        if region.enveloppe is None:
            return None
        return (
            f"Ce montant, à taux fixe, n'est pas modifié par l'enveloppe régionale ({region.nom}, "
            f"{montant_fr(region.enveloppe)}) : il est financé en premier."
        )
    if not ligne["montant_avant_enveloppe"]:
        return None
    if not region.repartie:
        if region.enveloppe is None:
            return None
        return (
            f"L'enveloppe régionale ({region.nom}), {montant_fr(region.enveloppe)}, couvre le "
            f"total des montants calculés de la région, {montant_fr(region.calcules)} : votre "
            "montant n'est pas réduit."
        )
    texte = f"{_montant_reparti(region)} {_pris_d_abord(region)}".strip()
    return f"{texte} {_part_de_la_structure(ligne, region)}"


def _montant_reparti(region: Region) -> str:
    """D'où vient le montant que la région répartit."""
    enveloppe = "" if region.enveloppe is None else montant_fr(region.enveloppe)
    if region.regle == "plafond":
        return f"L'enveloppe régionale ({region.nom}) est de {enveloppe}."
    if region.regle == "totale":
        return (
            f"Toute l'enveloppe régionale ({region.nom}), {enveloppe}, est répartie en proportion "
            "des montants calculés, sans qu'aucune structure ne dépasse son plafond."
        )
    cible = (region.taux_moyen * region.socles).quantize(CENTIME, rounding=ROUND_FLOOR)
    texte = (
        f"Le montant réparti dans la région ({region.nom}) vise un taux moyen de "
        f"{pourcent_fr(region.taux_moyen)} : {pourcent_fr(region.taux_moyen)} × "
        f"{montant_fr(region.socles)} (total des montants socles de la région) = "
        f"{montant_fr(cible)}, au centime inférieur"
    )
    if region.enveloppe is not None and region.enveloppe < cible:
        texte += f", limité à l'enveloppe régionale, {enveloppe}"
    return (
        f"{texte} ; il est réparti en proportion des montants calculés, sans qu'aucune structure "
        "ne dépasse son plafond."
    )


def _pris_d_abord(region: Region) -> str:
    """Les montants pris d'abord sur le montant réparti, et ce qui reste."""
    pris = []
    if region.part_fixe:
        pris.append(
            "les montants à taux fixe des structures implantées en établissement pénitentiaire, "
            f"{montant_fr(region.part_fixe)}"
        )
    if region.plafonnees:
        pris.append(
            f"le montant de {region.plafonnees} structure(s) à leur plafond (montant socle × "
            f"plafond), {montant_fr(region.part_plafonnees)}"
        )
    if not pris or region.disponible is None:
        return ""
    soustraction = " − ".join(
        montant_fr(m) for m in (region.a_repartir, region.part_fixe, region.part_plafonnees) if m
    )
    return (
        f"Pris d'abord : {' ; '.join(pris)}. Reste à répartir : {soustraction} = "
        f"{montant_fr(region.disponible)}."
    )


def _part_de_la_structure(ligne: dict, region: Region) -> str:
    """La division qui donne le montant de la structure, ou son plafond."""
    avant, module = ligne["montant_avant_enveloppe"], ligne["montant_module"]
    effectif = f"(taux effectif : {taux_fr(ligne['taux_effectif'])})"
    if ligne["enveloppe_disponible"] is None:
        part = (
            ""
            if region.disponible is None or region.total is None
            else f" ({montant_fr(avant)} × {montant_fr(region.disponible)} / "
            f"{montant_fr(region.total)})"
        )
        return (
            f"Votre part{part} dépasserait votre plafond : votre montant modulé est celui de "
            f"votre plafond, {montant_fr(ligne['montant_socle'])} × {pourcent_fr(ligne['plafond'])}"
            f" = {montant_fr(module)} {effectif}."
        )
    disponible, total = ligne["enveloppe_disponible"], ligne["total_avant_enveloppe"]
    autres = "des autres structures " if region.part_fixe or region.plafonnees else ""
    sens = (
        "dépasse ce montant : chacun est réduit en proportion"
        if total > disponible
        else "est inférieur à ce montant : chacun est augmenté en proportion"
        if total < disponible
        else "lui est égal : chacun est multiplié par 1"
    )
    return (
        f"Le total des montants calculés {autres}de la région, {montant_fr(total)}, {sens}, "
        f"au centime inférieur. Votre montant modulé : {montant_fr(avant)} × "
        f"{montant_fr(disponible)} / {montant_fr(total)} = {montant_fr(module)} {effectif}."
    )
