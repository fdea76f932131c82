"""FluxIAE de l'ASP comme seconde source de l'annexe 5 : sélection des annexes et motifs d'écart."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pytest
from aides import ECHANTILLON, echantillon_avec_fin
from iae_modulation.exports.fluxiae import (
    MOTIF_AVENANT,
    MOTIF_FDI,
    est_fluxiae,
    lire_fluxiae,
)
from iae_modulation.sorties import ErreurEntree

COLONNES = (
    "af_id_structure|af_numero_annexe_financiere|af_numero_avenant_renouvellement|"
    "af_numero_avenant_modification|af_mesure_dispositif_code|af_etat_annexe_financiere_code|"
    "af_date_debut_effet|af_date_fin_effet|af_etp_postes_insertion|"
    "af_montant_unitaire_annuel_valeur|af_montant_total_annuel|af_indic_cofinancement|"
    "af_mt_cofinance"
)
LIGNES = [
    "1|ACI054210019|0|0|ACI_DC|HISTORISE|01/01/2021|31/12/2021|7.95|20642.00|164103.90|false|",
    "1|ACI054210019|0|1|ACI_DC|VALIDE|01/01/2021|31/12/2021|8.86|20642.00|182888.12|true|6036.21",
    "1|ACI054210019|1|0|ACI_DC|PROVISOIRE|01/01/2022|31/12/2022|8.86|21096.00|186910.56|false|",
    "2|ACI029190009|2|1|ACI_DC|VALIDE|01/01/2021|31/12/2021|17.09|20642.00|352771.78|false|",
    "2|FDI029200062|0|0|FDI_DC|VALIDE|01/12/2020|31/12/2021||||false|",
    "3|AI017200002|1|1|AI_DC|VALIDE|01/01/2021|31/12/2021|33.00|1397.00|46101.00|false|",
    "4|ACI972190115|2|3|ACI_DC|SAISI|01/01/2021|31/12/2021|18.74|20642.00|386831.08|true|89460",
]


def ecrire_flux(chemin: Path, lignes: list[str], encodage: str = "utf-8", fin: bool = True) -> Path:
    contenu = ["DEBAnnexeFinanciere07022022_063004" + "|" * 12, COLONNES, *lignes]
    if fin:
        contenu.append("FIN" + "|" * 12)
    octets = ("\n".join(contenu) + "\n").encode(encodage)
    if chemin.suffix == ".gz":
        octets = gzip.compress(octets)
    chemin.write_bytes(octets)
    return chemin


def test_annexes_actives_de_l_annee_dernier_avenant_et_motifs(tmp_path):
    table = lire_fluxiae(ecrire_flux(tmp_path / "flux.csv", LIGNES), "ACI", 2021)
    assert [table.valeur(ligne, "numero_annexe") for ligne in table.lignes] == [
        "ACI054210019A0M1",
        "ACI029190009A2M1",
    ]
    assert [table.valeur(ligne, "departement") for ligne in table.lignes] == ["54", "29"]
    assert [table.valeur(ligne, "base") for ligne in table.lignes] == ["182888.12", "352771.78"]
    assert [table.valeur(ligne, "cofinancement_cg") for ligne in table.lignes] == ["6036.21", "0"]
    assert table.numeros == [4, 6]  # DEB en ligne 1, en-tête en ligne 2
    assert table.ecartees == {
        "remplacée par un avenant plus récent (état HISTORISE)": 1,
        "dates d'effet hors de l'année 2021": 1,
        MOTIF_FDI: 1,
        "autre mesure (AI_DC)": 1,
        "saisie mais pas encore validée (état SAISI)": 1,
    }


def test_provisoire_garde_et_signale(tmp_path):
    table = lire_fluxiae(ecrire_flux(tmp_path / "flux.csv", LIGNES), "ACI", 2022)
    assert [table.valeur(ligne, "numero_annexe") for ligne in table.lignes] == ["ACI054210019A1M0"]
    assert table.remarques[0] == (
        "1 annexe(s) retenue(s) à l'état PROVISOIRE (en vigueur, validation définitive à "
        "confirmer) : ACI054210019A1M0."
    )


def test_deux_avenants_actifs_seul_le_dernier_compte(tmp_path):
    lignes = [
        "1|EI017210016|0|0|EI_DC|VALIDE|01/01/2021|31/12/2021|2.00|10751.00|21502.00|false|",
        "1|EI017210016|0|2|EI_DC|PROVISOIRE|01/01/2021|31/12/2021|3.00|10751.00|32253.00|false|",
    ]
    table = lire_fluxiae(ecrire_flux(tmp_path / "flux.csv", lignes), "EI", 2021)
    assert [table.valeur(ligne, "base") for ligne in table.lignes] == ["32253.00"]
    assert table.ecartees == {MOTIF_AVENANT: 1}


@pytest.mark.parametrize(("nom", "encodage"), [("flux.csv.gz", "utf-8"), ("flux.csv", "utf-16")])
def test_utf16_et_gzip(tmp_path, nom, encodage):
    chemin = ecrire_flux(tmp_path / nom, LIGNES, encodage=encodage)
    assert est_fluxiae(chemin)
    table = lire_fluxiae(chemin, "AI", 2021)
    assert [table.valeur(ligne, "numero_annexe") for ligne in table.lignes] == ["AI017200002A1M1"]


@pytest.mark.parametrize(("nom", "encodage"), [("flux.csv.gz", "utf-8"), ("flux.csv", "utf-16")])
def test_sans_marqueur_fin_le_fichier_tronque_est_refuse(tmp_path, nom, encodage):
    chemin = ecrire_flux(tmp_path / nom, LIGNES, encodage=encodage, fin=False)
    with pytest.raises(ErreurEntree, match=f"^{nom} : FluxIAE incomplet, la dernière ligne"):
        lire_fluxiae(chemin, "AI", 2021)


def test_cofinancement_indique_sans_montant_refuse(tmp_path):
    lignes = ["1|ACI054210019|0|1|ACI_DC|VALIDE|01/01/2021|31/12/2021|8|20642|165136|true|"]
    with pytest.raises(ErreurEntree) as erreur:
        lire_fluxiae(ecrire_flux(tmp_path / "flux.csv", lignes), "ACI", 2021)
    assert "flux.csv, ligne 3, colonne af_mt_cofinance : vide alors que" in str(erreur.value)


def test_fichier_qui_n_est_pas_un_fluxiae(tmp_path):
    chemin = tmp_path / "autre.csv"
    chemin.write_text("a;b\n1;2\n", encoding="utf-8")
    assert not est_fluxiae(chemin)
    with pytest.raises(ErreurEntree, match="ce n'est pas un fichier FluxIAE"):
        lire_fluxiae(chemin, "ACI", 2021)


@pytest.mark.echantillon
def test_echantillon_reel_sans_ligne_fin_refuse():
    """L'échantillon publié est un extrait : il s'arrête sans la ligne « FIN… » des exports."""
    with pytest.raises(ErreurEntree, match="FluxIAE incomplet, la dernière ligne « FIN… » manque"):
        lire_fluxiae(ECHANTILLON, "ACI", 2021)


@pytest.mark.echantillon
def test_echantillon_reel_lu_de_bout_en_bout(tmp_path):
    table = lire_fluxiae(echantillon_avec_fin(tmp_path), "ACI", 2021)
    assert [
        (table.valeur(ligne, "departement"), table.valeur(ligne, "numero_annexe"))
        for ligne in table.lignes
    ] == [
        ("54", "ACI054210019A0M1"),
        ("29", "ACI029190009A2M1"),
        ("972", "ACI972190115A2M2"),
    ]
    bases = [Decimal(table.valeur(ligne, "base")) for ligne in table.lignes]
    assert sum(bases) == Decimal("922490.98")
    assert table.ecartees[MOTIF_FDI] == 14
    assert len(table.lignes) + sum(table.ecartees.values()) == 85  # chaque ligne est comptée


def test_forme_de_la_note_noms_de_l_annuaire_etp_en_nombres(tmp_path):
    """Les colonnes de l'extranet après les étapes de la note (en-têtes du YAML) ; SIRET et
    raison sociale pris dans l'annuaire ; sans annuaire, ces colonnes manquent et c'est dit."""
    flux = ecrire_flux(tmp_path / "flux.csv", LIGNES)
    annuaire = {"ACI054210019": {"siret": "12345678900012", "raison_sociale": "Les Jardins"}}
    table = lire_fluxiae(flux, "ACI", 2021, annuaire)
    assert table.entetes == [
        "Département",
        "N° SIRET",
        "Raison sociale",
        "N° convention",
        "N° annexe financière",
        "Date début effet annexe",
        "Date fin effet annexe",
        "Montant total de l'aide au poste",
        "Dont cofinancé par le conseil général",
    ]
    assert table.lignes[0][:3] == ["54", "12345678900012", "Les Jardins"]
    assert table.lignes[1][1:3] == ["", ""]  # ACI029190009 : absente de l'annuaire
    sans_nom = lire_fluxiae(flux, "EI", 2021)
    assert sans_nom.lignes == []
    ei = [
        "1|EI017210016|0|0|EI_DC|VALIDE|01/01/2021|31/12/2021|2.50|10751.00|26877.50|false|",
        "2|EI017210017|0|0|EI_DC|VALIDE|01/01/2021|31/12/2021|3.00|10751.00|32253.00|false|",
    ]
    table = lire_fluxiae(ecrire_flux(tmp_path / "ei.csv", ei), "EI", 2021)
    assert table.entetes == [
        "Département",
        "N° annexe financière",
        "Date début effet annexe",
        "Date fin effet annexe",
        "Nombre de postes conventionnés",
        "Montant prévu de l'aide de l'Etat = AE",
    ]
    assert table.nombres == {4} and table.montants == {5}
    assert "indiquez la table des structures (--donnees)" in table.remarques[-1]
