"""Le fichier de méthode (YAML) : lu, validé, avec son contenu et son empreinte SHA-256.

Chaque erreur nomme le fichier, la clé et la ligne (docs/methode.md) ; une clé en double, une
ancre, une valeur qui n'est ni un texte, ni un nombre, ni une table sont refusées. Le plus petit
fichier valide :

    nom: Poids 50/30/20
    notation: rang
    poids: {publics: 50, effort: 30, resultats: 20}
    repartition: plafond
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from iae_modulation.encodages import decoder_octets
from iae_modulation.methode import ErreurMethode, Methode, construire
from iae_modulation.sorties import verifier_fichier_entree

TAILLE_MAX = 100_000  # octets : une méthode tient en quelques lignes


def lire_methode(chemin: Path) -> Methode:
    """La méthode du fichier `chemin` ; ErreurMethode (ErreurEntree) avec tous les problèmes."""
    chemin = verifier_fichier_entree(Path(chemin))
    octets = chemin.read_bytes()
    if len(octets) > TAILLE_MAX:
        raise ErreurMethode(
            f"{chemin.name} : {len(octets)} octets, trop long pour un fichier de méthode "
            f"(au plus {TAILLE_MAX})."
        )
    texte = decoder_octets(octets, chemin.name)
    valeurs, lignes = _valeurs_et_lignes(texte, chemin.name)

    def lieu(cles: tuple[str, ...]) -> str:
        for longueur in range(len(cles), 0, -1):
            if cles[:longueur] in lignes:
                return f"ligne {lignes[cles[:longueur]]}"
        return ""

    return construire(
        valeurs,
        chemin.name,
        lieu,
        origine="fichier",
        contenu=texte,
        sha256=hashlib.sha256(texte.encode("utf-8")).hexdigest(),
        chemin=str(chemin),
    )


def _valeurs_et_lignes(texte: str, fichier: str) -> tuple[dict, dict[tuple[str, ...], int]]:
    """Le contenu YAML en dict (deux niveaux au plus) et la ligne de chaque clé."""
    try:
        chargeur = yaml.SafeLoader(texte)
        try:
            racine = chargeur.get_single_node()
        finally:
            chargeur.dispose()
    except yaml.YAMLError as erreur:
        marque = getattr(erreur, "problem_mark", None)
        ou = f" (ligne {marque.line + 1})" if marque is not None else ""
        raise ErreurMethode(
            f"{fichier}{ou} : ce n'est pas un fichier YAML lisible "
            f"({getattr(erreur, 'problem', None) or erreur}). Modèle :\n{MODELE}"
        ) from None
    if not isinstance(racine, yaml.MappingNode):
        raise ErreurMethode(
            f"{fichier} : une méthode est une suite de « clé: valeur ». Modèle :\n{MODELE}"
        )
    lignes: dict[tuple[str, ...], int] = {}
    return _table(racine, (), lignes, fichier), lignes


def _table(noeud: yaml.MappingNode, chemin: tuple[str, ...], lignes: dict, fichier: str) -> dict:
    table: dict = {}
    for cle_noeud, valeur_noeud in noeud.value:
        ligne = cle_noeud.start_mark.line + 1
        if not isinstance(cle_noeud, yaml.ScalarNode):
            raise ErreurMethode(f"{fichier}, ligne {ligne} : une clé doit être un simple mot.")
        cle = str(cle_noeud.value)
        if cle in table:
            raise ErreurMethode(
                f"{fichier}, clé « {'.'.join((*chemin, cle))} » (ligne {ligne}) : écrite deux "
                f"fois (première fois ligne {lignes[(*chemin, cle)]})."
            )
        lignes[(*chemin, cle)] = ligne
        table[cle] = _valeur(valeur_noeud, (*chemin, cle), lignes, fichier)
    return table


def _valeur(noeud: yaml.Node, chemin: tuple[str, ...], lignes: dict, fichier: str) -> object:
    ligne = noeud.start_mark.line + 1
    if isinstance(noeud, yaml.MappingNode) and len(chemin) == 1:
        return _table(noeud, chemin, lignes, fichier)
    if not isinstance(noeud, yaml.ScalarNode):
        raise ErreurMethode(
            f"{fichier}, clé « {'.'.join(chemin)} » (ligne {ligne}) : un texte ou un nombre est "
            "attendu ici."
        )
    if noeud.tag == "tag:yaml.org,2002:null":
        return None
    if noeud.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return noeud.value  # le texte écrit : « 12.5 » reste exact
    if noeud.tag == "tag:yaml.org,2002:bool":
        return noeud.value.lower() in ("true", "yes", "on")
    return str(noeud.value)


MODELE = """nom: Poids 50/30/20
notation: rang
poids: {publics: 50, effort: 30, resultats: 20}
repartition: plafond"""
