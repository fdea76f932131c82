"""La copie de la feuille « Données SIAE » que lit un calcul : un classeur .xlsx d'une feuille.

Deux façons de l'écrire, pour les deux jumeaux de `classeur.Classeur` :
- depuis les valeurs (classeur ouvert dans Excel) : nombres en nombres, textes en chaînes en ligne
  (ECMA-376, partie 1, § 18.3.1.4), écrits d'un bloc (`ecriture_xlsx`) ;
- depuis le XML de la feuille (classeur sur disque, `fichier.ClasseurFichier.copier_feuille`),
  recopié avec les styles et les textes partagés du classeur, sans ce qui renvoie au reste du
  classeur (tableau, commentaires, validations, dessins) : rien n'est converti, lignes masquées
  comprises.
Dans les deux cas `lecture.lire_table` y relit exactement les valeurs de la feuille.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from iae_modulation.ecriture_xlsx import Feuille, ecrire_classeur
from iae_modulation.excel.valeurs import valeur_excel


def ecrire_instantane(chemin: Path, nom_feuille: str, cellules: Sequence[Sequence[object]]) -> Path:
    """Écrit `cellules` (valeurs d'une feuille depuis A1) dans la feuille `nom_feuille`."""
    feuille = Feuille(nom_feuille)
    for valeurs in cellules:
        feuille.ajouter([(valeur_excel(valeur), 0) for valeur in valeurs])
    return ecrire_classeur(chemin, [feuille])
