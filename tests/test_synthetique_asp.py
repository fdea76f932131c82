"""Fichiers de l'ASP fictifs (`synthetique_asp`) : `preparer` en redonne la table d'origine, et
chaque piège ajouté (`hostile=True`) finit écarté, listé ou signalé."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from aides import DONNEES
from iae_modulation.lecture import lire_table
from iae_modulation.preparation.preparer import preparer
from iae_modulation.synthetique import generer_donnees_nationales
from iae_modulation.synthetique_asp import ENTETE_SIRET, ENTETES_BILAN, ecrire_fichiers_asp

SANS_SOURCE = {"etp_realises"}  # aucune colonne de l'ASP ne la donne (docs/donnees.md)


def comparer(origine, preparee) -> dict[str, list]:
    """Les cellules qui diffèrent, par colonne (hors colonnes sans source à l'ASP)."""
    attendue = origine.set_index("identifiant")
    obtenue = preparee.set_index("identifiant").loc[attendue.index]
    return {
        colonne: [
            (i, a, b)
            for i, a, b in zip(attendue.index, attendue[colonne], obtenue[colonne], strict=True)
            if a != b
        ]
        for colonne in attendue.columns
        if colonne not in SANS_SOURCE and not (attendue[colonne] == obtenue[colonne]).all()
    }


def test_la_demo_revient_telle_quelle(tmp_path: Path) -> None:
    origine = lire_table(DONNEES).table
    fichiers = ecrire_fichiers_asp(origine, 2026, tmp_path)
    preparation = preparer(
        fichiers.annexes, 2026, bilan=fichiers.bilan, structures=fichiers.structures
    )
    table = preparation.table()
    assert sorted(table["identifiant"]) == sorted(origine["identifiant"])
    assert comparer(origine, table) == {}
    assert preparation.signalements == [] and preparation.absences == []
    assert set(table["etp_realises"]) == {""}


@pytest.mark.parametrize("graine", [1, 2])
def test_donnees_nationales_reviennent_telles_quelles(tmp_path: Path, graine: int) -> None:
    """600 structures des 101 départements, dont des n° d'annexe changés entre N − 1 et N
    (bilan relié par la structure) et des milieux pénitentiaires ; fichiers compressés."""
    origine = generer_donnees_nationales(600, graine=graine, annee=2026)
    fichiers = ecrire_fichiers_asp(origine, 2026, tmp_path, graine=graine, compresser=True)
    assert fichiers.annexes.suffix == ".gz" and len(fichiers.renumerotees) > 50
    preparation = preparer(
        fichiers.annexes, 2026, bilan=fichiers.bilan, structures=fichiers.structures
    )
    assert comparer(origine, preparation.table()) == {}
    assert preparation.controle.est_valide


def test_chaque_piege_finit_ecarte_liste_ou_signale(tmp_path: Path) -> None:
    origine = lire_table(DONNEES).table
    fichiers = ecrire_fichiers_asp(origine, 2026, tmp_path, hostile=True)
    attendus = fichiers.attendus
    p = preparer(fichiers.annexes, 2026, bilan=fichiers.bilan, structures=fichiers.structures)
    motifs = {(e.annexe, e.motif) for e in p.ecartees}
    assert sum("contrat passerelle" in m for _, m in motifs) == attendus["passerelle"]
    assert (f"{attendus['autre_annee']}A0M0", "clôturée (état CLOTURE)") in motifs
    doublons = [a for a, m in motifs if m.startswith("ligne répétée")]
    assert [d[:12] for d in doublons] == [attendus["doublon"]]
    assert any(a.startswith(attendus["saisi"]) and "SAISI" in m for a, m in motifs)
    constats = {(a.cle, a.message.split(" : ")[0]) for a in p.absences}
    assert any(c == attendus["sans_structure"] and "absente du FluxIAE" in m for c, m in constats)
    assert any(c == attendus["structure_sans_annexe"] for c, _ in constats)
    assert any(c.replace(" ", "").startswith(attendus["bilan_sans_annexe"]) for c, _ in constats)
    bloquants = [s for s in p.signalements if s.bloquant]
    assert [(s.identifiant, s.colonne) for s in bloquants] == [
        (attendus["minima_superieurs"], "nb_beneficiaires_minima")
    ]
    assert attendus["colonne_inconnue"] in p.bilan.inconnues
    # malgré les pièges, les autres structures reviennent telles quelles
    table = p.table()
    autres = origine[~origine["identifiant"].isin([attendus["minima_superieurs"]])]
    ecarts = comparer(autres, table)
    orpheline = attendus["sans_structure"]
    assert set(ecarts) <= {"adresse", "code_postal", "commune", "siret", "raison_sociale"}
    assert {i for cellules in ecarts.values() for i, _, _ in cellules} == {orpheline}


def test_bilan_ecrit_avec_les_vrais_en_tetes(tmp_path: Path) -> None:
    fichiers = ecrire_fichiers_asp(lire_table(DONNEES).table, 2026, tmp_path)
    feuille = openpyxl.load_workbook(fichiers.bilan, read_only=True).active
    entetes = next(feuille.iter_rows(max_row=1, values_only=True))
    assert entetes == ENTETES_BILAN
    assert ENTETE_SIRET == "0 - SIRET  "
    premiere = fichiers.annexes.read_text("utf-8").splitlines()[0]
    assert premiere.startswith("DEBAnnexeFinanciere07022026_063004|")
