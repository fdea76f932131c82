"""Corpus hostile, publication : un calcul tué entre deux renommages (SIGKILL, coupure d'un partage
réseau) laisse un dossier que la commande suivante, ou le premier lecteur, rend entièrement
ancien ou entièrement nouveau ; un fichier ouvert dans Excel fait échouer la publication sans
rien changer."""

from __future__ import annotations

import errno
import json
import os
import signal
from pathlib import Path

import pytest
from aides import DONNEES, empreinte, sortie_capturee
from fabrique import donnees_modifiees
from iae_modulation import sorties
from iae_modulation.cli import main
from iae_modulation.rapprochement import rapprocher
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import NOM_JOURNAL, PREFIXE_TEMPORAIRE

TUE = -signal.SIGKILL
PAS_DE_FORK = not hasattr(os, "fork")


def calculer(donnees: Path, sortie: Path, *options: str) -> int:
    return main(["calculer", str(donnees), "--annee", "2026", "--sortie", str(sortie), *options])


def contenu(dossier: Path) -> dict[str, str]:
    """Les fichiers visibles du dossier (sans verrou, journal ni temporaires) et leur SHA-256."""
    return {
        p.relative_to(dossier).as_posix(): empreinte(p)
        for p in sorted(dossier.rglob("*"))
        if p.is_file() and not p.relative_to(dossier).parts[0].startswith(".iae-")
    }


def coherent(dossier: Path) -> bool:
    """Le manifeste liste exactement les fichiers présents, chacun à son empreinte."""
    manifeste = json.loads((dossier / "manifeste.json").read_text("utf-8"))
    listes = {s["fichier"]: s["sha256"] for s in manifeste["sorties"]}
    presents = contenu(dossier)
    presents.pop("manifeste.json")
    return listes == presents


def tuer_au_pas(pas: int, action) -> int:
    """Lance `action` dans un processus fils tué par SIGKILL juste avant son `pas`-ième
    renommage ou effacement de fichier ; renvoie le statut du fils (TUE s'il a été tué)."""
    enfant = os.fork()
    if enfant == 0:  # pragma: no cover - dans le fils
        compteur = [0]
        originaux = {nom: getattr(os, nom) for nom in ("replace", "rename", "unlink")}

        def pas_a_pas(nom):
            def appel(*args, **kwargs):
                compteur[0] += 1
                if compteur[0] == pas:
                    os.kill(os.getpid(), signal.SIGKILL)
                return originaux[nom](*args, **kwargs)

            return appel

        for nom in originaux:
            setattr(os, nom, pas_a_pas(nom))
        try:
            code = action()
        except BaseException:
            code = 99
        os._exit(code)
    _, statut = os.waitpid(enfant, 0)
    return -os.WTERMSIG(statut) if os.WIFSIGNALED(statut) else os.WEXITSTATUS(statut)


@pytest.mark.skipif(PAS_DE_FORK, reason="fork indisponible (Windows)")
def test_calcul_tue_a_chaque_pas_de_la_publication_puis_repris(tmp_path, capsys):
    """Un calcul qui remplace un calcul précédent (--ecraser), tué à chaque pas tour à tour :
    après reprise, le dossier est l'ancien ou le nouveau, entier, et la suite marche."""
    nouvelles = donnees_modifiees(tmp_path / "nouvelles.csv", "montant_socle", "300000,00")
    pas, vus = 0, set()
    while True:
        pas += 1
        sortie = tmp_path / f"pas{pas}"
        assert calculer(DONNEES, sortie) == 0
        ancien = contenu(sortie)
        statut = tuer_au_pas(pas, lambda s=sortie: calculer(nouvelles, s, "--ecraser"))
        if statut != TUE:  # plus aucun pas à tuer : la publication entière a eu lieu
            assert statut == 0 and pas > 8
            break
        # le premier lecteur reprend la publication interrompue, puis le dossier est entier
        livre = lire_grand_livre(sortie / "resultats.csv")
        apres = contenu(sortie)
        assert not (sortie / NOM_JOURNAL).exists() and coherent(sortie)
        socle = next(ligne for ligne in livre.lignes if ligne["ligne_source"] == 2)["montant_socle"]
        if apres == ancien:
            vus.add("ancien")
            assert str(socle) == "215528.21"
        else:
            vus.add("nouveau")
            assert str(socle) == "300000.00"
        assert calculer(nouvelles, sortie, "--ecraser") == 0  # et la suite marche, restes ôtés
        assert sorted(p.name for p in sortie.iterdir()) == [
            "manifeste.json",
            "resultats.csv",
            "resultats.xlsx",
        ]
        assert str(lire_grand_livre(sortie / "resultats.csv").lignes[0]["montant_socle"]) == (
            "300000.00"
        )
    assert vus == {"ancien", "nouveau"}
    capsys.readouterr()


@pytest.mark.skipif(PAS_DE_FORK, reason="fork indisponible (Windows)")
def test_publication_reprise_par_la_commande_suivante_et_par_rapprocher(tmp_path, capsys):
    """Tué après la bascule : `calculer --ecraser` (sans lecteur avant lui) finit la
    publication puis remplace ; `rapprocher` sur un autre dossier interrompu la finit aussi."""
    nouvelles = donnees_modifiees(tmp_path / "nouvelles.csv", "montant_socle", "300000,00")
    for sortie in (tmp_path / "a" / "calcul", tmp_path / "b" / "calcul"):
        assert calculer(DONNEES, sortie) == 0
        # pas 7 : journal, trois anciens mis de côté, bascule, puis le premier nouveau fichier
        assert tuer_au_pas(7, lambda s=sortie: calculer(nouvelles, s, "--ecraser")) == TUE
        assert (sortie / NOM_JOURNAL).exists()
    premier = tmp_path / "a" / "calcul"
    assert calculer(DONNEES, premier, "--ecraser") == 0
    assert coherent(premier) and not (premier / NOM_JOURNAL).exists()
    assert str(lire_grand_livre(premier / "resultats.csv").lignes[0]["montant_socle"]) == (
        "215528.21"
    )
    second = tmp_path / "b" / "calcul"
    rapprochement = rapprocher(tmp_path / "b")
    assert rapprochement.sans_document == [second / "resultats.csv"]  # sans document tiré
    assert coherent(second) and not (second / NOM_JOURNAL).exists()
    assert str(lire_grand_livre(second / "resultats.csv").lignes[0]["montant_socle"]) == (
        "300000.00"
    )
    capsys.readouterr()


def test_fichier_ouvert_dans_excel_rien_ne_change(tmp_path, capsys, monkeypatch):
    """Sous Windows, un resultats.xlsx ouvert dans Excel ne se renomme pas (partage refusé) :
    la publication est défaite, les résultats précédents restent tels quels, code 1."""
    sortie = tmp_path / "calcul"
    assert calculer(DONNEES, sortie) == 0
    avant = contenu(sortie)
    remplacer = os.replace

    def excel_ouvert(source, cible, *args, **kwargs):
        if Path(source).name == "resultats.xlsx" and Path(source).parent == sortie:
            erreur = PermissionError(errno.EACCES, "Le processus ne peut pas accéder au fichier")
            erreur.filename = str(source)
            raise erreur
        return remplacer(source, cible, *args, **kwargs)

    monkeypatch.setattr(sorties.os, "replace", excel_ouvert)
    nouvelles = donnees_modifiees(tmp_path / "nouvelles.csv", "montant_socle", "300000,00")
    assert calculer(nouvelles, sortie, "--ecraser") == 1
    message = sortie_capturee(capsys)
    assert "resultats.xlsx (permission refusée)" in message
    assert "S'il est ouvert dans Excel ou Word, fermez-le, puis relancez. Rien n'a été" in message
    monkeypatch.setattr(sorties.os, "replace", remplacer)
    assert contenu(sortie) == avant
    assert sorted(p.name for p in sortie.iterdir()) == [
        "manifeste.json",
        "resultats.csv",
        "resultats.xlsx",
    ]
    assert calculer(nouvelles, sortie, "--ecraser") == 0


def test_journal_forge_ne_deplace_rien_hors_du_dossier(tmp_path, capsys):
    sortie = tmp_path / "calcul"
    assert calculer(DONNEES, sortie) == 0
    dehors = tmp_path / "precieux.txt"
    dehors.write_text("à garder", encoding="utf-8")
    (sortie / NOM_JOURNAL).write_text(
        json.dumps(
            {
                "etat": "bascule",
                "temporaire": f"{PREFIXE_TEMPORAIRE}x",
                "anciens": [],
                "nouveaux": ["../precieux.txt"],
            }
        ),
        encoding="utf-8",
    )
    assert main(["rapprocher", str(sortie)]) == 2
    assert "journal de publication illisible" in sortie_capturee(capsys)
    assert dehors.read_text(encoding="utf-8") == "à garder"
