"""Cas de règle écrits à la main depuis les formules du design (tests/cas/*.yaml)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from iae_modulation.donnees import NOMS_COLONNES, lire_donnees
from iae_modulation.modulation import OptionsCalcul, calculer_modulation

CAS = sorted((Path(__file__).parent / "cas").glob("*.yaml"))


def ecrire_donnees(structures: list[dict], chemin: Path) -> Path:
    """Écrit les structures d'un cas comme un agent les exporterait d'Excel (`;`, virgule)."""
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecrivain = csv.writer(fichier, delimiter=";")
        ecrivain.writerow(NOMS_COLONNES)
        for structure in structures:
            ecrivain.writerow(str(structure.get(c, "")).replace(".", ",") for c in NOMS_COLONNES)
    return chemin


@pytest.mark.parametrize("chemin", CAS, ids=[c.stem for c in CAS])
def test_cas_de_regle(chemin: Path, tmp_path: Path) -> None:
    cas = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    donnees = lire_donnees(
        ecrire_donnees(cas["structures"], tmp_path / "donnees.csv"), cas["annee"]
    )
    assert donnees.rapport.est_valide, donnees.rapport.texte()
    options = OptionsCalcul(
        annee=cas["annee"],
        methode=cas["methode"],
        enveloppes={r: Decimal(m) for r, m in cas.get("enveloppes", {}).items()} or None,
        versements_2014={i: Decimal(m) for i, m in cas.get("versements_2014", {}).items()} or None,
    )
    resultats = calculer_modulation(donnees, options).resultats.set_index("identifiant")
    assert sorted(resultats.index) == sorted(cas["attendu"])
    for identifiant, attendu in cas["attendu"].items():
        for colonne, valeur in attendu.items():
            assert resultats.at[identifiant, colonne] == Decimal(valeur), (identifiant, colonne)
