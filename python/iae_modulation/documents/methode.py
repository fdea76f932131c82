"""La méthode appliquée, dite en une phrase française depuis une ligne du grand livre : celle de
la lettre (champ `{{ phrase_methode }}` du modèle de notification) et celle de la décision de
paiement (même champ du modèle de décision), docs/methode.md.

Tout ce que la phrase écrit vient de la ligne : nom de la méthode, notation, groupe, poids de
chaque critère (et son sens pour un critère facultatif), plafond, règle de répartition de
l'enveloppe, et pour `totale` ou `taux-moyen` les nombres qui refont le montant de la structure
(montant calculé × enveloppe disponible / total, ou montant au plafond : socle × plafond).
`phrase_precedent` rappelle la campagne précédente (option de `notifications`).
"""

from __future__ import annotations

from decimal import Decimal

from iae_modulation.colonnes import COLONNES_POIDS
from iae_modulation.formats import montant_fr, taux_fr
from iae_modulation.indicateurs import CRITERES_OPTIONNELS
from iae_modulation.methode import pourcent_fr

LIBELLES = {
    "publics": "publics",
    "effort": "efforts d'insertion",
    "resultats": "résultats",
    **{
        nom: critere.libelle[0].lower() + critere.libelle[1:]
        for nom, critere in CRITERES_OPTIONNELS.items()
    },
}
NOTATIONS = {
    "rang": "par son rang",
    "minmax": "par sa place entre la plus faible et la plus forte valeur",
}


def phrase_methode(ligne: dict, *, structure: bool = True) -> str | None:
    """La méthode de la ligne en une phrase ; `structure` : la lettre d'une structure (son
    groupe, son plafond, son calcul), sinon la décision (la méthode seule). None pour une
    structure hors classement (taux forfaitaire, taux fixe du milieu pénitentiaire)."""
    if ligne["plafond"] is None:
        return None
    groupe = ligne["groupe"]
    lieu = "département" if groupe == f"{ligne['type']} {ligne['departement']}" else "région"
    parmi = (
        f"parmi les structures de son groupe, « {groupe} » (même type, même {lieu})"
        if structure
        else "parmi les structures du même type et "
        + ("du même département" if lieu == "département" else "de la même région")
    )
    poids = " ; ".join(
        f"{LIBELLES.get(c, c)} {pourcent_fr(ligne[f'poids_{c}'])}{_sens(ligne, c)}"
        for c in _criteres(ligne)
    )
    texte = (
        f"Méthode « {ligne['methode']} » : chaque indicateur est noté de 0 à 1 "
        f"{NOTATIONS[ligne['notation']]} {parmi} ; pondération : {poids} ; taux = "
        f"{_plafond(ligne, structure)} × moyenne pondérée des scores."
    )
    return f"{texte} {_repartition(ligne, structure)}".strip()


def _criteres(ligne: dict) -> list[str]:
    base = [c.removeprefix("poids_") for c in COLONNES_POIDS]
    return base + [n for n in CRITERES_OPTIONNELS if f"poids_{n}" in ligne]


def _sens(ligne: dict, critere: str) -> str:
    sens = ligne.get(f"sens_{critere}")
    if not sens:
        return ""
    return (
        " (part plus élevée, meilleur score)"
        if sens == "plus"
        else (" (part plus faible, meilleur score)")
    )


def _plafond(ligne: dict, structure: bool) -> str:
    """Le plafond : celui de la méthode, et celui de la structure s'il est plus bas."""
    methode, propre = ligne["plafond_methode"], ligne["plafond"]
    texte = f"plafond de la méthode, {pourcent_fr(methode)} du montant socle"
    if structure and propre != methode:
        texte = f"plafond de votre structure, {pourcent_fr(propre)} du montant socle"
    return texte


def _repartition(ligne: dict, structure: bool) -> str:
    """La règle de répartition de l'enveloppe et, pour la lettre, le calcul de la structure."""
    regle = ligne["repartition"]
    enveloppe = ligne["enveloppe_region"]
    montant_enveloppe = "" if enveloppe is None else f" ({montant_fr(enveloppe)})"
    if regle == "plafond":
        if enveloppe is None:
            return ""  # aucune enveloppe : rien à répartir, rien à dire
        return (
            f"Enveloppe régionale{montant_enveloppe} : quand le total des montants calculés la "
            "dépasse, chacun est réduit en proportion, au centime inférieur."
        )
    if regle == "totale":
        texte = (
            f"Toute l'enveloppe régionale{montant_enveloppe} est répartie en proportion des "
            "montants calculés"
        )
    else:
        borne = (
            ""
            if enveloppe is None
            else f" et sans dépasser l'enveloppe régionale{montant_enveloppe}"
        )
        texte = (
            "Les montants de la région sont mis à l'échelle pour que leur total atteigne "
            f"{pourcent_fr(ligne['taux_moyen_cible'])} du total des montants socles de la "
            f"région{borne}"
        )
    texte += (
        ", sans qu'aucune structure ne dépasse son plafond (montant socle × plafond) : ce "
        "qu'une structure plafonnée ne peut recevoir est partagé entre les autres, chaque "
        "montant étant arrondi au centime inférieur."
    )
    if structure:
        texte += f" {_calcul_de_la_structure(ligne)}"
    return texte


def _calcul_de_la_structure(ligne: dict) -> str:
    avant, module = ligne["montant_avant_enveloppe"], ligne["montant_module"]
    if ligne["enveloppe_disponible"] is not None:
        disponible, total = ligne["enveloppe_disponible"], ligne["total_avant_enveloppe"]
        return (
            f"Pour votre structure : {montant_fr(avant)} × {montant_fr(disponible)} / "
            f"{montant_fr(total)} = {montant_fr(module)}."
        )
    if module != avant:
        return (
            f"Votre structure atteint son plafond : {montant_fr(ligne['montant_socle'])} × "
            f"{taux_fr(ligne['plafond'])} = {montant_fr(module)}."
        )
    return f"Votre montant n'est pas modifié par la répartition : {montant_fr(module)}."


def phrase_precedent(ligne: dict) -> str | None:
    """« Pour mémoire, au titre de la campagne 2025, votre montant modulé était de … (taux
    effectif …). » ; None si la structure n'était pas au grand livre de la campagne
    précédente."""
    montant = ligne.get("montant_precedent")
    if montant is None:
        return None
    taux = ligne.get("taux_precedent")
    effectif = "" if taux is None else f" (taux effectif {taux_fr(Decimal(taux))})"
    return (
        f"Pour mémoire, au titre de la campagne {int(ligne['annee']) - 1}, votre montant "
        f"modulé était de {montant_fr(montant)}{effectif}."
    )
