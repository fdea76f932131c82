"""Moteur de publipostage : balises découpées par Word, échappement, paragraphes facultatifs,
blocs, refus des modèles mal écrits, parties recopiées à l'identique."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from iae_modulation.documents.publipostage import Bloc, ErreurModele, ModeleCompile

TABLEAU = (
    '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="2000"/>'
    "</w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>cellule insérée</w:t></w:r></w:p></w:tc></w:tr>"
    "</w:tbl>"
)


def _modele(
    chemin: Path, *paragraphes: list[str], tableau: bool = False, en_tete: str = ""
) -> Path:
    """Un .docx dont chaque paragraphe est donné run par run (comme Word les découpe)."""
    document = docx.Document()
    for runs in paragraphes:
        paragraphe = document.add_paragraph()
        for numero, texte in enumerate(runs):
            run = paragraphe.add_run(texte)
            run.bold = numero == 0
    if tableau:
        cellule = document.add_table(rows=1, cols=2).rows[0].cells
        cellule[0].text = "{{ facultatif }}"
        cellule[1].text = "{{ nom }}"
    if en_tete:
        document.sections[0].header.paragraphs[0].text = en_tete
    document.save(str(chemin))
    return chemin


def _relire(contenu: bytes) -> docx.Document:
    return docx.Document(io.BytesIO(contenu))


def test_balise_decoupee_en_plusieurs_runs(tmp_path):
    modele = _modele(
        tmp_path / "m.docx",
        ["Madame ", "{{ no", "m }", "}, bonjour"],
        ["{", "{nom}} et {{", " ville }}"],
    )
    compile_ = ModeleCompile(modele)
    assert compile_.champs == {"nom", "ville"}
    document = _relire(compile_.rendre({"nom": "Dupont", "ville": "Nancy"}))
    assert [p.text for p in document.paragraphs] == ["Madame Dupont, bonjour", "Dupont et Nancy"]
    runs = document.paragraphs[0].runs
    assert [r.text for r in runs][:2] == ["Madame ", "Dupont"]
    assert runs[0].bold and not runs[1].bold  # la balise prend la mise en forme de son début


def test_echappement_sauts_de_ligne_et_caracteres_interdits(tmp_path):
    compile_ = ModeleCompile(_modele(tmp_path / "m.docx", ["Destinataire : {{ nom }}"]))
    nom = 'Emmaüs & Co <Nord> "l\'Abri"\n2e ligne\x01'
    paragraphe = _relire(compile_.rendre({"nom": nom})).paragraphs[0]
    assert paragraphe.text == 'Destinataire : Emmaüs & Co <Nord> "l\'Abri"\n2e ligne'


def test_paragraphe_facultatif_et_bloc(tmp_path):
    modele = _modele(
        tmp_path / "m.docx",
        ["Début"],
        ["Régularisation : {{ facultatif }}"],
        ["{{ tableau }}"],
        ["Fin {{ nom }}"],
        tableau=True,
    )
    compile_ = ModeleCompile(modele)
    document = _relire(compile_.rendre({"facultatif": None, "nom": "X", "tableau": Bloc(TABLEAU)}))
    assert [p.text for p in document.paragraphs] == ["Début", "Fin X"]
    assert [t.rows[0].cells[0].text for t in document.tables] == ["cellule insérée", ""]
    assert document.tables[1].rows[0].cells[1].text == "X"  # cellule vidée mais valide
    document = _relire(compile_.rendre({"facultatif": "12 €", "nom": "X", "tableau": Bloc("")}))
    assert [p.text for p in document.paragraphs] == ["Début", "Régularisation : 12 €", "Fin X"]
    assert document.tables[0].rows[0].cells[0].text == "12 €"


def test_champ_dans_l_en_tete(tmp_path):
    compile_ = ModeleCompile(_modele(tmp_path / "m.docx", ["Corps"], en_tete="Service {{ nom }}"))
    document = _relire(compile_.rendre({"nom": "DDETS de la Meuse"}))
    assert document.sections[0].header.paragraphs[0].text == "Service DDETS de la Meuse"


def test_parties_sans_champ_recopiees_a_l_identique(tmp_path):
    modele = _modele(tmp_path / "m.docx", ["Bonjour {{ nom }}"])
    contenu = ModeleCompile(modele).rendre({"nom": "A"})
    with zipfile.ZipFile(modele) as avant, zipfile.ZipFile(io.BytesIO(contenu)) as apres:
        assert sorted(avant.namelist()) == sorted(apres.namelist())
        for nom in avant.namelist():
            if nom != "word/document.xml":
                assert avant.read(nom) == apres.read(nom), nom
        assert apres.testzip() is None


@pytest.mark.parametrize(
    "texte",
    ["Bonjour {{ nom", "Bonjour nom }}", "{{ nom-complet }}", "{{ 2nom }}", "{{ }}"],
)
def test_balise_mal_ecrite_refusee(tmp_path, texte):
    with pytest.raises(ErreurModele, match="balise mal écrite dans le paragraphe"):
        ModeleCompile(_modele(tmp_path / "m.docx", [texte]))


def test_champs_inconnus_et_manquants_listes(tmp_path):
    compile_ = ModeleCompile(_modele(tmp_path / "m.docx", ["{{ nom }} {{ prenom }} {{ age }}"]))
    with pytest.raises(ErreurModele) as erreur:
        compile_.verifier_champs({"nom", "ville", "code"}, {"nom", "ville", "code"})
    assert str(erreur.value).startswith(
        "Modèle m.docx refusé (champs inconnus : {{ age }}, {{ prenom }} ; champs obligatoires "
        "absents : {{ code }}, {{ ville }})."
    )
    compile_.verifier_champs({"nom", "prenom", "age"}, {"nom"})


def test_fichier_qui_n_est_pas_un_docx(tmp_path):
    faux = tmp_path / "faux.docx"
    faux.write_text("pas un document", encoding="utf-8")
    with pytest.raises(ErreurModele, match="faux.docx : ce n'est pas un document Word"):
        ModeleCompile(faux)


def test_mise_en_forme_du_run_conservee_apres_substitution(tmp_path):
    document = docx.Document()
    run = document.add_paragraph().add_run("{{ montant }}")
    run.font.size = Pt(14)
    document.save(str(tmp_path / "m.docx"))
    rendu = _relire(ModeleCompile(tmp_path / "m.docx").rendre({"montant": "12 345,67 €"}))
    assert rendu.paragraphs[0].runs[0].text == "12 345,67 €"
    assert rendu.paragraphs[0].runs[0].font.size == Pt(14)
