@echo off
rem Installation d'IAE Modulation @VERSION@ pour l'agent connecté : sans droits d'administrateur,
rem sans réseau. Écrit par « iae-modulation classeur paquet-windows » depuis le modèle
rem xl/windows/installer.cmd du dépôt, en page de code 850 (celle de la console française).
rem « installer.cmd /silencieux » : sans pause ni fenêtre de l'Explorateur (outil de déploiement
rem lancé dans le contexte de l'utilisateur) ; code de sortie 0 si tout est installé.
setlocal EnableExtensions
set "ICI=%~dp0"
set "CIBLE=%LOCALAPPDATA%\iae-modulation"
set "VENV=%CIBLE%\venv"
set "PYVENV=%CIBLE%\venv\Scripts\python.exe"
set "SOURCE=%CIBLE%\source"
set "JOURNAL=%CIBLE%\installation.log"
set "INSTALLATEUR=@PYTHON_INSTALLATEUR@"
set "INSTALLATEUR_SHA256=@PYTHON_SHA256@"
set "PYTHON_OUTIL=%CIBLE%\@PYTHON_DOSSIER@"
set "PIP_CONFIG_FILE=nul"
set "PIP_DISABLE_PIP_VERSION_CHECK=1"
set "PIP_NO_INPUT=1"
set "SILENCIEUX="
if /i "%~1"=="/silencieux" set "SILENCIEUX=1"

echo.
echo  IAE Modulation @VERSION@ : installation pour %USERNAME%
echo  (dans %CIBLE%, sans droits d'administrateur ni accès à Internet)
echo.
if not exist "%CIBLE%" mkdir "%CIBLE%"
echo Installation du %DATE% %TIME% > "%JOURNAL%" || goto echec

rem 0. Excel fermé : il garde chargée la DLL d'xlwings de l'environnement, et le classeur, que
rem    l'étape 4 réécrit, est verrouillé tant qu'il est ouvert.
:excel
tasklist /FI "IMAGENAME eq EXCEL.EXE" /NH 2>nul | find /i "EXCEL.EXE" >nul
if errorlevel 1 goto python
echo  Excel est ouvert. Enregistrez vos classeurs, fermez Excel (toutes ses fenêtres),
echo  puis appuyez sur une touche pour continuer.
if defined SILENCIEUX goto echec_excel
pause >nul
goto excel

rem 1. Python : celui que ce paquet apporte (installé pour l'agent seul, dans le dossier de
rem    l'outil), sinon un Python pris en charge (@VERSIONS_PYTHON@) déjà sur le poste.
:python
set "PYTHON="
if "%INSTALLATEUR%"=="" goto python_du_poste
if exist "%PYTHON_OUTIL%\python.exe" goto python_outil_present
echo  1/5 Installation de Python @PYTHON_VERSION@ pour vous seul (une à deux minutes)...
call :verifier_installateur || goto echec
start "" /wait "%ICI%python\%INSTALLATEUR%" @OPTIONS_INSTALLATEUR@ TargetDir="%PYTHON_OUTIL%" /log "%CIBLE%\python-installation.log"
set "CODE=%ERRORLEVEL%"
echo Installateur Python : code %CODE% (détail : %CIBLE%\python-installation*.log) >> "%JOURNAL%"
if not "%CODE%"=="0" goto echec_python
if not exist "%PYTHON_OUTIL%\python.exe" (
    rem Le même Python était déjà installé pour cet agent ailleurs : l'installateur l'a gardé.
    echo Python @PYTHON_VERSION@ déjà installé ailleurs pour cet agent : utilisé tel quel. >> "%JOURNAL%"
    goto python_du_poste
)
:python_outil_present
set "PYTHON="%PYTHON_OUTIL%\python.exe""
goto python_trouve

:python_du_poste
for %%V in (@VERSIONS_PY@) do if not defined PYTHON (
    py -%%V -c "import sys" >nul 2>&1 && set "PYTHON=py -%%V"
)
for %%V in (@VERSIONS_DOSSIERS@) do if not defined PYTHON (
    if exist "%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe" set "PYTHON="%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe""
)
for %%V in (@VERSIONS_DOSSIERS@) do if not defined PYTHON (
    if exist "%ProgramFiles%\Python%%V\python.exe" set "PYTHON="%ProgramFiles%\Python%%V\python.exe""
)
if not defined PYTHON (
    python -c "import sys; sys.exit(0 if sys.version_info[:2] in [@VERSIONS_TUPLES@] else 1)" >nul 2>&1 && set "PYTHON=python"
)
if not defined PYTHON goto echec_sans_python
:python_trouve
echo  1/5 Python : %PYTHON%
echo Python : %PYTHON% >> "%JOURNAL%"

rem 2. Un environnement neuf à chaque installation (pip y dépose aussi la DLL d'xlwings, à sa
rem    racine) : rien d'une version précédente ni d'un autre Python n'y reste.
if exist "%VENV%" rmdir /s /q "%VENV%" >> "%JOURNAL%" 2>&1
if exist "%VENV%" goto echec_verrou
%PYTHON% -m venv "%VENV%" >> "%JOURNAL%" 2>&1 || goto echec
echo  2/5 Environnement : %VENV%

rem 3. Les sources (modèles Word et classeur compris) puis les bibliothèques, depuis roues\,
rem    aux versions exactes de contraintes.txt.
robocopy "%ICI%source" "%SOURCE%" /MIR /NFL /NDL /NJH /NJS /NP >> "%JOURNAL%" 2>&1
if errorlevel 8 goto echec
"%PYVENV%" -m pip install --no-index --find-links "%ICI%roues" -r "%ICI%exigences.txt" -c "%ICI%contraintes.txt" >> "%JOURNAL%" 2>&1 || goto echec
"%PYVENV%" -m pip install --no-index --no-deps --no-build-isolation -e "%SOURCE%" >> "%JOURNAL%" 2>&1 || goto echec
"%PYVENV%" -m compileall -q "%SOURCE%\python" >> "%JOURNAL%" 2>&1
echo  3/5 IAE Modulation @VERSION@ installé

rem 4. Le classeur, dans le dossier Documents de l'agent (redirigé ou OneDrive compris : Python le
rem    demande à Windows) : copié s'il n'y est pas, sinon gardé (il contient une campagne) ; dans
rem    les deux cas rattaché à cette installation par un chemin valable pour chaque agent.
rem    « python -m iae_modulation » plutôt que le lanceur iae-modulation.exe, non signé.
"%PYVENV%" -m iae_modulation classeur installer --garder >> "%JOURNAL%" 2>&1 || goto echec
echo  4/5 Classeur : Documents\IAE Modulation\IAE_modulation.xlsm

rem 5. Le diagnostic (le même que le bouton « Diagnostic » du ruban, côté Python).
echo  5/5 Diagnostic :
"%PYVENV%" -m iae_modulation classeur diagnostic
if errorlevel 1 goto echec
echo.
echo  Installation terminée. Ouvrez le classeur IAE_modulation.xlsm (dossier qui s'ouvre),
echo  cliquez sur « Activer le contenu », puis sur le bouton « Diagnostic » de l'onglet
echo  « IAE Modulation ».
if defined SILENCIEUX exit /b 0
"%PYVENV%" -c "import os; from iae_modulation.excel.installation import dossier_classeurs; os.startfile(dossier_classeurs())"
pause
exit /b 0

rem L'installateur Python joint est-il intact ? Même empreinte SHA-256 que celle vérifiée (avec
rem sa signature) à la construction du paquet.
:verifier_installateur
set "EMPREINTE="
for /f "delims=" %%H in ('certutil -hashfile "%ICI%python\%INSTALLATEUR%" SHA256 ^| findstr /r /x "[0123456789abcdefABCDEF ]*"') do if not defined EMPREINTE set "EMPREINTE=%%H"
if not defined EMPREINTE (
    echo  Empreinte de python\%INSTALLATEUR% impossible à calculer ^(certutil^).
    exit /b 1
)
set "EMPREINTE=%EMPREINTE: =%"
if /i not "%EMPREINTE%"=="%INSTALLATEUR_SHA256%" (
    echo  python\%INSTALLATEUR% a été modifié depuis la construction du paquet : il n'est pas lancé.
    echo  Demandez un nouveau paquet à votre correspondant informatique.
    exit /b 1
)
echo Installateur Python : empreinte SHA-256 conforme (%EMPREINTE%) >> "%JOURNAL%"
exit /b 0

:echec_sans_python
echo  Aucun Python pris en charge ^(@VERSIONS_PYTHON@^) sur ce poste, et ce paquet n'en contient pas.
echo  Python doit d'abord être déployé par votre service informatique, ou celui-ci peut vous
echo  donner un paquet qui le contient (guide source\docs\deploiement.md). Voir LISEZMOI.txt.
goto echec

:echec_python
echo  L'installation de Python a échoué ^(code %CODE%^). Détail : %CIBLE%\python-installation*.log
echo  Une règle de sécurité du poste ^(AppLocker, App Control^) bloque peut-être l'installateur.
goto echec

:echec_excel
echo  Installation non faite : Excel est ouvert.
goto echec

:echec_verrou
echo  Des fichiers de l'outil sont encore utilisés ^(Excel ou le Python du classeur est ouvert^).
echo  Fermez Excel, attendez quelques secondes ^(ou fermez la session Windows^), puis relancez.
goto echec

:echec
echo.
echo  L'installation n'a pas abouti. Détail : %JOURNAL%
echo  Transmettez ce fichier à votre correspondant informatique (guide docs\deploiement.md).
if not defined SILENCIEUX pause
exit /b 1
