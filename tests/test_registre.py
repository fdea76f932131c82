"""Le registre des actes (registre.py) : numéros, une seule décision payable, « annule et
remplace », écriture sûre (verrou, journal), relecture exacte au format de l'issue 16."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from iae_modulation.erreurs import ErreurSortie, SortieOccupee
from iae_modulation.registre import (
    COLONNES,
    EN_VIGUEUR,
    REMPLACEE,
    RefusRegistre,
    Registre,
    cle_du_numero,
    en_vigueur,
    lire_registre,
    nouvel_acte,
)
from iae_modulation.sorties import NOM_JOURNAL_REGISTRE, sha256

SHA_LIVRE = "a" * 64


def _emettre(dossier: Path, departement: str, total: str, remplace: str | None = None) -> str:
    """Une décision ACI 2026 signée : numéro réservé, document écrit, journal, validation."""
    with Registre(dossier) as registre:
        numero, _ = registre.reserver(2026, departement, "ACI", remplace)
        docx = dossier / "asp" / f"decision_asp_2026_{departement}_ACI_{numero}.docx"
        docx.parent.mkdir(exist_ok=True)
        docx.write_bytes(f"décision {numero}".encode())
        registre.preparer([_acte(numero, departement, total, docx, dossier, remplace)])
        registre.valider()
    return numero


def _acte(numero, departement, total, docx, dossier, remplace=None):
    return nouvel_acte(
        numero=numero,
        annee=2026,
        departement=departement,
        mesure="ACI",
        remplace=remplace or "",
        date_signature=dt.date(2026, 6, 15),
        signataire="Jeanne Martin",
        autorite="Le préfet de la Moselle",
        total=Decimal(total),
        nombre_structures=3,
        grand_livre_sha256=SHA_LIVRE,
        fichier_docx=docx.relative_to(dossier).as_posix(),
        sha256_docx=sha256(docx),
        fichier_pdf="",
        sha256_pdf="",
        dossier_sortie="asp",
    )


def test_numeros_par_annee_departement_mesure(tmp_path):
    assert _emettre(tmp_path, "57", "1234.50") == "2026-57-ACI-001"
    assert _emettre(tmp_path, "2A", "10.00") == "2026-2A-ACI-001"
    actes = lire_registre(tmp_path)
    assert [a.numero for a in actes] == ["2026-57-ACI-001", "2026-2A-ACI-001"]
    assert actes[0].total == Decimal("1234.50")
    assert en_vigueur(actes, 2026, "57", "ACI").numero == "2026-57-ACI-001"
    assert en_vigueur(actes, 2026, "57", "EI") is None


def test_fichier_au_format_de_l_issue(tmp_path):
    _emettre(tmp_path, "57", "1234.5")
    octets = (tmp_path / "registre.csv").read_bytes()
    assert octets.startswith("\ufeff".encode())
    lignes = octets.decode("utf-8-sig").splitlines()
    assert lignes[0] == (
        "numero;annee;departement;mesure;statut;remplace;remplacee_par;date_signature;"
        "signataire;autorite;total;nombre_structures;grand_livre_sha256;fichier_docx;"
        "sha256_docx;fichier_pdf;sha256_pdf;dossier_sortie;date_enregistrement"
    )
    cellules = lignes[1].split(";")
    assert cellules[:12] == [
        "2026-57-ACI-001",
        "2026",
        "57",
        "ACI",
        "en vigueur",
        "",
        "",
        "2026-06-15",
        "Jeanne Martin",
        "Le préfet de la Moselle",
        "1234.50",
        "3",
    ]
    assert cellules[13] == "asp/decision_asp_2026_57_ACI_2026-57-ACI-001.docx"
    assert len(cellules) == len(COLONNES)


def test_seconde_decision_payable_refusee(tmp_path):
    _emettre(tmp_path, "57", "100.00")
    with pytest.raises(RefusRegistre) as refus:
        _emettre(tmp_path, "57", "100.00")
    message = str(refus.value)
    assert "2026-57-ACI-001 du 15 juin 2026" in message
    assert "--remplace 2026-57-ACI-001" in message
    assert [a.numero for a in lire_registre(tmp_path)] == ["2026-57-ACI-001"]
    assert not (tmp_path / NOM_JOURNAL_REGISTRE).exists()


def test_deux_decisions_du_meme_departement_dans_une_execution(tmp_path):
    with Registre(tmp_path) as registre:
        registre.reserver(2026, "57", "ACI")
        with pytest.raises(RefusRegistre, match="déjà en vigueur"):
            registre.reserver(2026, "57", "ACI")


def test_annule_et_remplace(tmp_path):
    premier = _emettre(tmp_path, "57", "100.00")
    second = _emettre(tmp_path, "57", "90.00", remplace=premier)
    assert second == "2026-57-ACI-002"
    ancien, nouveau = lire_registre(tmp_path)
    assert (ancien.statut, ancien.remplacee_par) == (REMPLACEE, "2026-57-ACI-002")
    assert (nouveau.statut, nouveau.remplace) == (EN_VIGUEUR, "2026-57-ACI-001")
    assert en_vigueur(lire_registre(tmp_path), 2026, "57", "ACI").total == Decimal("90.00")


def test_remplace_inexistant_deja_remplace_ou_d_un_autre_departement(tmp_path):
    with pytest.raises(RefusRegistre, match="aucune décision de ce numéro"):
        _emettre(tmp_path, "57", "1.00", remplace="2026-57-ACI-009")
    premier = _emettre(tmp_path, "57", "100.00")
    _emettre(tmp_path, "57", "90.00", remplace=premier)
    with pytest.raises(RefusRegistre, match="déjà été remplacée par la décision n° 2026-57-ACI"):
        _emettre(tmp_path, "57", "80.00", remplace=premier)
    with pytest.raises(RefusRegistre, match="département 57.*ne peut pas être remplacée"):
        _emettre(tmp_path, "54", "80.00", remplace="2026-57-ACI-002")
    assert len(lire_registre(tmp_path)) == 2


def test_execution_simultanee_refusee(tmp_path):
    ouvert, fin = threading.Event(), threading.Event()

    def premiere():
        with Registre(tmp_path):
            ouvert.set()
            fin.wait(10)

    fil = threading.Thread(target=premiere)
    fil.start()
    try:
        assert ouvert.wait(10)
        with pytest.raises(SortieOccupee, match="Une autre exécution"), Registre(tmp_path):
            pass
    finally:
        fin.set()
        fil.join()


def test_journal_d_une_execution_tuee_apres_publication(tmp_path):
    """Le processus meurt entre la publication des documents et l'écriture du registre : la
    décision publiée est enregistrée par l'exécution suivante ; une décision jamais publiée
    est oubliée et son numéro resservira."""
    registre = Registre(tmp_path).__enter__()
    numero, _ = registre.reserver(2026, "57", "ACI")
    numero_54, _ = registre.reserver(2026, "54", "ACI")
    docx = tmp_path / "publie.docx"
    docx.write_bytes(b"publie")
    jamais = tmp_path / "jamais.docx"
    jamais.write_bytes(b"x")
    registre.preparer(
        [
            _acte(numero, "57", "5.00", docx, tmp_path),
            _acte(numero_54, "54", "6.00", jamais, tmp_path),
        ]
    )
    jamais.unlink()  # la publication n'a pas eu lieu pour celle-ci
    registre._verrou.release()  # le processus est tué : verrou libéré, journal resté
    assert (tmp_path / NOM_JOURNAL_REGISTRE).exists()
    assert lire_registre(tmp_path) == []
    assert _emettre(tmp_path, "54", "7.00") == "2026-54-ACI-001"
    assert [a.numero for a in lire_registre(tmp_path)] == ["2026-57-ACI-001", "2026-54-ACI-001"]
    assert not (tmp_path / NOM_JOURNAL_REGISTRE).exists()


def test_document_change_apres_preparation(tmp_path):
    refus = pytest.raises(ErreurSortie, match="2026-57-ACI-001.*pas enregistrées")
    with refus, Registre(tmp_path) as registre:
        numero, _ = registre.reserver(2026, "57", "ACI")
        docx = tmp_path / "d.docx"
        docx.write_bytes(b"avant")
        registre.preparer([_acte(numero, "57", "5.00", docx, tmp_path)])
        docx.write_bytes(b"apres")
        registre.valider()
    assert lire_registre(tmp_path) == []


def _registre_ecrit(tmp_path: Path, ligne: str) -> None:
    (tmp_path / "registre.csv").write_text(
        ";".join(COLONNES) + "\n" + ligne + "\n", encoding="utf-8-sig"
    )


def test_registre_modifie_a_la_main_refuse(tmp_path):
    _registre_ecrit(
        tmp_path,
        "2026-57-ACI-001;2026;54;ACI;payée;;;15/06/2026;J;A;1234,5;3;x;d.docx;y;;;asp;hier",
    )
    with pytest.raises(RefusRegistre) as refus:
        lire_registre(tmp_path)
    message = str(refus.value)
    for attendu in (
        "ligne 2, colonne numero",
        "colonne statut : « payée »",
        "colonne total : « 1234,5 »",
        "colonne date_signature",
        "colonne sha256_docx",
    ):
        assert attendu in message


def test_deux_decisions_en_vigueur_au_registre_refusees(tmp_path):
    ligne = (
        "2026-57-ACI-00{n};2026;57;ACI;en vigueur;;;2026-06-15;J;A;1.00;3;;d{n}.docx;"
        + "b" * 64
        + ";;;asp;2026-06-15T10:00:00"
    )
    _registre_ecrit(tmp_path, ligne.format(n=1) + "\n" + ligne.format(n=2))
    with pytest.raises(RefusRegistre, match="2 décisions ACI 2026 du département 57 en vigueur"):
        lire_registre(tmp_path)


def test_en_tete_inattendu(tmp_path):
    (tmp_path / "registre.csv").write_text("numero;total\n", encoding="utf-8")
    with pytest.raises(RefusRegistre, match="ligne 1 : en-tête inattendu"):
        lire_registre(tmp_path)


def test_cle_du_numero():
    assert cle_du_numero("2026-2A-EITI-012") == (2026, "2A", "EITI")
    assert cle_du_numero("2026-974-AI-001") == (2026, "974", "AI")
    assert cle_du_numero("2026-96-ACI-001") is None  # département inconnu
    assert cle_du_numero("2026-57-XYZ-001") is None
    assert cle_du_numero("2026-57-ACI-1") is None
