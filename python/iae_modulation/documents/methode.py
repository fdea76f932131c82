"""La méthode appliquée, dite en une phrase française depuis une ligne du grand livre : celle de
la lettre (champ `{{ phrase_methode }}` du modèle de notification) et celle de la décision de
paiement (même champ du modèle de décision), docs/methode.md.

Tout ce que la phrase écrit vient de la ligne : nom de la méthode, notation, groupe, et pour la
décision les poids de chaque critère (et son sens pour un critère facultatif), le plafond et la
règle de répartition de l'enveloppe. La lettre dit la notation avec sa formule : ses poids, son
plafond et la répartition sont dans son calcul (`calcul_lettre`).
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


def groupe_decrit(ligne: dict) -> str:
    """« « ACI Grand Est » (même type, même région) » ou « … (même type, même département) »."""
    return f"« {ligne['groupe']} » (même type, même {_lieu(ligne)})"


def _lieu(ligne: dict) -> str:
    departemental = ligne["groupe"] == f"{ligne['type']} {ligne['departement']}"
    return "département" if departemental else "région"


def phrase_methode(ligne: dict, *, structure: bool = True) -> str | None:
    """La méthode de la ligne en une phrase ; `structure` : la lettre d'une structure (la
    notation et sa formule), sinon la décision (notation, groupes, poids, plafond,
    répartition). None pour une structure hors classement (taux forfaitaire, taux fixe du
    milieu pénitentiaire)."""
    if ligne["plafond"] is None:
        return None
    if structure:
        return _notation_expliquee(ligne)
    parmi = "parmi les structures du même type et " + (
        "du même département" if _lieu(ligne) == "département" else "de la même région"
    )
    poids = " ; ".join(
        f"{LIBELLES.get(c, c)} {pourcent_fr(ligne[f'poids_{c}'])}{_sens(ligne, c)}"
        for c in criteres_de_la_ligne(ligne)
    )
    texte = (
        f"Méthode « {ligne['methode']} » : chaque indicateur est noté de 0 à 1 "
        f"{NOTATIONS[ligne['notation']]} {parmi} ; pondération : {poids} ; taux = "
        f"plafond de la méthode, {pourcent_fr(ligne['plafond_methode'])} du montant socle × "
        "moyenne pondérée des scores."
    )
    return f"{texte} {_repartition(ligne)}".strip()


def _notation_expliquee(ligne: dict) -> str:
    """La notation de la lettre, avec sa formule et le sens des critères facultatifs."""
    if ligne["notation"] == "rang":
        texte = (
            f"Méthode « {ligne['methode']} » : chaque indicateur est noté par son rang parmi les "
            "n structures du groupe où il est calculable, score = (rang − 1) / (n − 1), le rang 1 "
            "étant la plus faible valeur (ex-æquo : rang moyen) ; non calculable, ou seul du "
            "groupe : 0,50."
        )
    else:
        texte = (
            f"Méthode « {ligne['methode']} » : chaque indicateur est noté par sa place entre la "
            "plus faible et la plus forte valeur du groupe, score = (valeur − plus faible) / "
            "(plus forte − plus faible) ; égales, ou non calculable : 0,50."
        )
    inverses = [
        LIBELLES.get(c, c) for c in criteres_de_la_ligne(ligne) if ligne.get(f"sens_{c}") == "moins"
    ]
    if inverses:
        texte += (
            f" Pour {', '.join(inverses)}, une part plus faible est meilleure : score = 1 − "
            "ce rapport."
        )
    return texte


def criteres_de_la_ligne(ligne: dict) -> list[str]:
    """Les critères de la méthode de la ligne : les trois de la note, puis les facultatifs."""
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


def _repartition(ligne: dict) -> str:
    """La règle de répartition de l'enveloppe (décision de paiement)."""
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
    return texte + (
        ", sans qu'aucune structure ne dépasse son plafond (montant socle × plafond) : ce "
        "qu'une structure plafonnée ne peut recevoir est partagé entre les autres, chaque "
        "montant étant arrondi au centime inférieur."
    )


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
